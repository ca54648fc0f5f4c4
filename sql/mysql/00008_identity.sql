-- +goose Up
-- Personal credentials (一个渠道注册，全渠道登录): slow-down after failures,
-- password age, the 6-digit query PIN for hotline and SMS.
ALTER TABLE credential
  ADD COLUMN last_failed_at      DATETIME(6)  NULL,
  ADD COLUMN password_changed_at DATETIME(6)  NULL,
  ADD COLUMN pin_hash            VARCHAR(200) NOT NULL DEFAULT '',
  ADD COLUMN pin_failed          INT          NOT NULL DEFAULT 0,
  ADD COLUMN pin_locked_until    DATETIME(6)  NULL;

-- Real-name level of a person (DESIGN §5): 1 registered, 2 verified by a
-- bank-card 4-element or face check.
ALTER TABLE person
  ADD COLUMN real_name_level  INT         NOT NULL DEFAULT 0,
  ADD COLUMN real_name_method VARCHAR(16) NOT NULL DEFAULT '',
  ADD COLUMN real_name_at     DATETIME(6) NULL;

CREATE INDEX employee_account_mobile ON employee_account (reserved_mobile);

-- Sessions: the durable record behind the key-value session (listing,
-- revocation, fallback when the key-value store is down). The token itself is
-- never stored, only its SHA-256.
CREATE TABLE user_session (
  token_hash   CHAR(64)     NOT NULL PRIMARY KEY,
  subject      VARCHAR(64)  NOT NULL,
  channel      VARCHAR(16)  NOT NULL,
  principal    TEXT         NOT NULL,
  level        INT          NOT NULL,
  ip           VARCHAR(64)  NOT NULL DEFAULT '',
  user_agent   VARCHAR(200) NOT NULL DEFAULT '',
  created_at   DATETIME(6)  NOT NULL,
  expires_at   DATETIME(6)  NOT NULL,
  revoked_at   DATETIME(6)  NULL,
  KEY user_session_subject (subject, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Channel bindings: a WeChat openid, an app device, a kiosk card bound to a
-- person, unique on (channel, app id, subject).
CREATE TABLE channel_binding (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  channel     VARCHAR(16)  NOT NULL,
  app_id      VARCHAR(64)  NOT NULL,
  subject     VARCHAR(128) NOT NULL,
  person_id   BIGINT       NOT NULL,
  union_id    VARCHAR(128) NOT NULL DEFAULT '',
  created_at  DATETIME(6)  NOT NULL,
  UNIQUE KEY channel_binding_subject (channel, app_id, subject),
  KEY channel_binding_person (person_id),
  CONSTRAINT channel_binding_person_fk FOREIGN KEY (person_id) REFERENCES person (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE channel_binding;
DROP TABLE user_session;
DROP INDEX employee_account_mobile ON employee_account;
ALTER TABLE person DROP COLUMN real_name_level, DROP COLUMN real_name_method, DROP COLUMN real_name_at;
ALTER TABLE credential DROP COLUMN last_failed_at, DROP COLUMN password_changed_at, DROP COLUMN pin_hash,
  DROP COLUMN pin_failed, DROP COLUMN pin_locked_until;
