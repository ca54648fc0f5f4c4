-- +goose Up
-- A parameter may take several versions on one effective date (a channel
-- switched off and on again the same day): seq numbers them 0, 1, 2… per
-- (param_key, effective_from) and readers take the greatest effective_from on
-- or before the date, then the greatest seq. Existing rows keep seq 0.
ALTER TABLE policy_param
  ADD COLUMN seq INT NOT NULL DEFAULT 0 AFTER effective_from,
  DROP INDEX policy_param_version,
  ADD UNIQUE KEY policy_param_version (param_key, effective_from, seq);

-- +goose Down
-- Only the newest version of each date survives the old unique key.
DELETE p FROM policy_param p JOIN policy_param q
  ON q.param_key = p.param_key AND q.effective_from = p.effective_from AND q.seq > p.seq;
ALTER TABLE policy_param
  DROP INDEX policy_param_version,
  DROP COLUMN seq,
  ADD UNIQUE KEY policy_param_version (param_key, effective_from);
