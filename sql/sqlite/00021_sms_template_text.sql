-- +goose Up
-- sms_template_text (internal/notify); see the MySQL file for its meaning.
CREATE TABLE sms_template_text (
  template    TEXT     NOT NULL PRIMARY KEY,
  text        TEXT     NOT NULL,
  change_ref  TEXT     NOT NULL DEFAULT '',
  maker       TEXT     NOT NULL DEFAULT '',
  checker     TEXT     NOT NULL DEFAULT '',
  updated_at  DATETIME NOT NULL
);

-- +goose Down
DROP TABLE sms_template_text;
