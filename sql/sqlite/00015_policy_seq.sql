-- +goose Up
-- A parameter may take several versions on one effective date (a channel
-- switched off and on again the same day): seq numbers them 0, 1, 2… per
-- (param_key, effective_from) and readers take the greatest effective_from on
-- or before the date, then the greatest seq. Existing rows keep seq 0.
-- SQLite cannot change a table's UNIQUE constraint: the table is rebuilt
-- (new table, copy, drop, rename), ids and rows kept.
CREATE TABLE policy_param_new (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  param_key      TEXT NOT NULL,
  value          TEXT NOT NULL,
  effective_from TEXT NOT NULL,
  seq            INTEGER NOT NULL DEFAULT 0,
  created_by     TEXT NOT NULL,
  approved_by    TEXT NOT NULL,
  change_ref     TEXT NOT NULL DEFAULT '',
  created_at     DATETIME NOT NULL,
  UNIQUE (param_key, effective_from, seq)
);
INSERT INTO policy_param_new (id, param_key, value, effective_from, seq, created_by, approved_by, change_ref, created_at)
  SELECT id, param_key, value, effective_from, 0, created_by, approved_by, change_ref, created_at FROM policy_param;
DROP TABLE policy_param;
ALTER TABLE policy_param_new RENAME TO policy_param;

-- +goose Down
-- Only the newest version of each date survives the old unique key.
CREATE TABLE policy_param_old (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  param_key      TEXT NOT NULL,
  value          TEXT NOT NULL,
  effective_from TEXT NOT NULL,
  created_by     TEXT NOT NULL,
  approved_by    TEXT NOT NULL,
  change_ref     TEXT NOT NULL DEFAULT '',
  created_at     DATETIME NOT NULL,
  UNIQUE (param_key, effective_from)
);
INSERT INTO policy_param_old (id, param_key, value, effective_from, created_by, approved_by, change_ref, created_at)
  SELECT id, param_key, value, effective_from, created_by, approved_by, change_ref, created_at FROM policy_param p
  WHERE NOT EXISTS (SELECT 1 FROM policy_param q
    WHERE q.param_key = p.param_key AND q.effective_from = p.effective_from AND q.seq > p.seq);
DROP TABLE policy_param;
ALTER TABLE policy_param_old RENAME TO policy_param;
