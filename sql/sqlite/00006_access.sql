-- +goose Up
-- casbin policy rows (github.com/Blank-Xu/sql-adapter layout): p_type "p" or "g", v0..v5 the fields.
CREATE TABLE casbin_rule (
  p_type TEXT NOT NULL DEFAULT '',
  v0     TEXT NOT NULL DEFAULT '',
  v1     TEXT NOT NULL DEFAULT '',
  v2     TEXT NOT NULL DEFAULT '',
  v3     TEXT NOT NULL DEFAULT '',
  v4     TEXT NOT NULL DEFAULT '',
  v5     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_casbin_rule ON casbin_rule (p_type, v0, v1);

-- +goose Down
DROP TABLE casbin_rule;
