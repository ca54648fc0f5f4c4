-- +goose Up
CREATE TABLE policy_param (
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

CREATE TABLE code_item (
  table_id   TEXT NOT NULL,
  code       TEXT NOT NULL,
  name       TEXT NOT NULL,
  std_ref    TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_to   TEXT NULL,
  PRIMARY KEY (table_id, code, valid_from)
);

-- +goose Down
DROP TABLE code_item;
DROP TABLE policy_param;
