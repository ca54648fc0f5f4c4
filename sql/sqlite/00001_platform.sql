-- +goose Up
CREATE TABLE business_date (
  id          INTEGER NOT NULL PRIMARY KEY,
  biz_date    TEXT    NOT NULL,
  updated_at  DATETIME NOT NULL,
  updated_by  TEXT    NOT NULL
);

CREATE TABLE audit_log (
  seq            INTEGER NOT NULL PRIMARY KEY,
  at             DATETIME NOT NULL,
  actor          TEXT NOT NULL,
  channel        TEXT NOT NULL,
  action         TEXT NOT NULL,
  object         TEXT NOT NULL,
  summary_before TEXT NOT NULL,
  summary_after  TEXT NOT NULL,
  request_id     TEXT NOT NULL,
  result         TEXT NOT NULL,
  prev_hash      TEXT NOT NULL,
  hash           TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE TABLE audit_head (
  id    INTEGER NOT NULL PRIMARY KEY,
  seq   INTEGER NOT NULL,
  hash  TEXT    NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE business_date;
