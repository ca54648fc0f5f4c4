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
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  kind           TEXT     NOT NULL,
  target         TEXT     NOT NULL,
  payload        TEXT     NOT NULL,
  base           TEXT     NOT NULL DEFAULT '',
  diff           TEXT     NOT NULL,
  impact         TEXT     NOT NULL,
  reason         TEXT     NOT NULL DEFAULT '',
  effective_from TEXT     NULL,
  status         TEXT     NOT NULL,
  maker          TEXT     NOT NULL,
  checker        TEXT     NOT NULL DEFAULT '',
  comment        TEXT     NOT NULL DEFAULT '',
  created_at     DATETIME NOT NULL,
  expires_at     DATETIME NOT NULL,
  decided_at     DATETIME NULL
);
CREATE INDEX change_request_status ON change_request (status, id);
CREATE INDEX change_request_kind ON change_request (kind, id);

-- One row locked by every approval, so approvals run one at a time across
-- instances (each reads the parameter version it builds on after the
-- previous approval committed).
CREATE TABLE change_lock (
  id       INTEGER PRIMARY KEY,
  approved INTEGER NOT NULL DEFAULT 0
);
INSERT INTO change_lock (id, approved) VALUES (1, 0);

-- +goose Down
DROP TABLE change_lock;
DROP TABLE change_request;
