-- +goose Up
CREATE TABLE policy_param (
  id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  param_key      VARCHAR(64)   NOT NULL,
  value          VARCHAR(4000) NOT NULL,
  effective_from DATE          NOT NULL,
  created_by     VARCHAR(64)   NOT NULL,
  approved_by    VARCHAR(64)   NOT NULL,
  change_ref     VARCHAR(64)   NOT NULL DEFAULT '',
  created_at     DATETIME(6)   NOT NULL,
  UNIQUE KEY policy_param_version (param_key, effective_from)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE code_item (
  table_id   VARCHAR(16)  NOT NULL,
  code       VARCHAR(8)   NOT NULL,
  name       VARCHAR(100) NOT NULL,
  std_ref    VARCHAR(16)  NOT NULL,
  valid_from DATE         NOT NULL,
  valid_to   DATE         NULL,
  PRIMARY KEY (table_id, code, valid_from)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE code_item;
DROP TABLE policy_param;
