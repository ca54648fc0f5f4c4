-- +goose Up
ALTER TABLE credential ADD COLUMN last_failed_at DATETIME NULL;
ALTER TABLE credential ADD COLUMN password_changed_at DATETIME NULL;
ALTER TABLE credential ADD COLUMN pin_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE credential ADD COLUMN pin_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credential ADD COLUMN pin_locked_until DATETIME NULL;

ALTER TABLE person ADD COLUMN real_name_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE person ADD COLUMN real_name_method TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN real_name_at DATETIME NULL;

CREATE INDEX employee_account_mobile ON employee_account (reserved_mobile);

CREATE TABLE user_session (
  token_hash   TEXT     NOT NULL PRIMARY KEY,
  subject      TEXT     NOT NULL,
  channel      TEXT     NOT NULL,
  principal    TEXT     NOT NULL,
  level        INTEGER  NOT NULL,
  ip           TEXT     NOT NULL DEFAULT '',
  user_agent   TEXT     NOT NULL DEFAULT '',
  created_at   DATETIME NOT NULL,
  expires_at   DATETIME NOT NULL,
  revoked_at   DATETIME NULL
);
CREATE INDEX user_session_subject ON user_session (subject, created_at);

CREATE TABLE channel_binding (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  channel     TEXT    NOT NULL,
  app_id      TEXT    NOT NULL,
  subject     TEXT    NOT NULL,
  person_id   INTEGER NOT NULL REFERENCES person (id),
  union_id    TEXT    NOT NULL DEFAULT '',
  created_at  DATETIME NOT NULL,
  UNIQUE (channel, app_id, subject)
);
CREATE INDEX channel_binding_person ON channel_binding (person_id);

-- +goose Down
DROP TABLE channel_binding;
DROP TABLE user_session;
DROP INDEX employee_account_mobile;
ALTER TABLE person DROP COLUMN real_name_at;
ALTER TABLE person DROP COLUMN real_name_method;
ALTER TABLE person DROP COLUMN real_name_level;
ALTER TABLE credential DROP COLUMN pin_locked_until;
ALTER TABLE credential DROP COLUMN pin_failed;
ALTER TABLE credential DROP COLUMN pin_hash;
ALTER TABLE credential DROP COLUMN password_changed_at;
ALTER TABLE credential DROP COLUMN last_failed_at;
