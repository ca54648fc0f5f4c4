-- +goose Up
-- Maker-checker change requests (internal/access/change). kind is param,
-- channel_state, item_switch, capacity, notice or role_grant; target names
-- what changes (a parameter key, "app", "GR-01@app", "app/query", a role
-- grant…); payload is the normalised request (JSON, values in stored form);
-- base is the value in force when it was submitted (stored form; approval
-- refuses the request as stale when it changed); diff and impact are the
-- preview shown to the checker (JSON). status: pending, approved, rejected,
-- expired, stale. Pending requests expire at expires_at. Times are UTC.
CREATE TABLE change_request (
  id             BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind           VARCHAR(16)   NOT NULL,
  target         VARCHAR(128)  NOT NULL,
  payload        TEXT          NOT NULL,
  base           VARCHAR(255)  NOT NULL DEFAULT '',
  diff           TEXT          NOT NULL,
  impact         TEXT          NOT NULL,
  reason         VARCHAR(500)  NOT NULL DEFAULT '',
  effective_from DATE          NULL,
  status         VARCHAR(16)   NOT NULL,
  maker          VARCHAR(64)   NOT NULL,
  checker        VARCHAR(64)   NOT NULL DEFAULT '',
  comment        VARCHAR(500)  NOT NULL DEFAULT '',
  created_at     DATETIME(6)   NOT NULL,
  expires_at     DATETIME(6)   NOT NULL,
  decided_at     DATETIME(6)   NULL,
  KEY change_request_status (status, id),
  KEY change_request_kind (kind, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row locked by every approval, so approvals run one at a time across
-- instances (each reads the parameter version it builds on after the
-- previous approval committed).
CREATE TABLE change_lock (
  id       INT    NOT NULL PRIMARY KEY,
  approved BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO change_lock (id, approved) VALUES (1, 0);

-- +goose Down
DROP TABLE change_lock;
DROP TABLE change_request;
