-- +goose Up
-- sms_template_text (internal/notify): the approved text of an SMS template
-- that replaces the built-in one (notify.Templates), written only by an
-- approved maker-checker change request (kind sms_template). The variables
-- are the built-in template's, checked at submission and approval. One row
-- per template; no row = the built-in text.
CREATE TABLE sms_template_text (
  template    VARCHAR(64)  NOT NULL PRIMARY KEY,
  text        TEXT         NOT NULL,
  change_ref  VARCHAR(64)  NOT NULL DEFAULT '',
  maker       VARCHAR(128) NOT NULL DEFAULT '',
  checker     VARCHAR(128) NOT NULL DEFAULT '',
  updated_at  DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE sms_template_text;
