-- +goose Up
-- casbin policy rows (github.com/Blank-Xu/sql-adapter layout): p_type "p" or "g", v0..v5 the fields.
CREATE TABLE casbin_rule (
  p_type VARCHAR(32)  NOT NULL DEFAULT '',
  v0     VARCHAR(255) NOT NULL DEFAULT '',
  v1     VARCHAR(255) NOT NULL DEFAULT '',
  v2     VARCHAR(255) NOT NULL DEFAULT '',
  v3     VARCHAR(255) NOT NULL DEFAULT '',
  v4     VARCHAR(255) NOT NULL DEFAULT '',
  v5     VARCHAR(255) NOT NULL DEFAULT '',
  KEY idx_casbin_rule (p_type, v0, v1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE casbin_rule;
