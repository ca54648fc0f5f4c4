-- +goose Up
-- notice_queue (internal/notify); see the MySQL file for its meaning.
CREATE TABLE notice_queue (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  dedup         TEXT     NOT NULL UNIQUE,
  person_id     INTEGER  NOT NULL,
  phone         TEXT     NOT NULL DEFAULT '',
  template      TEXT     NOT NULL,
  vars          TEXT     NOT NULL,
  wechat_state  TEXT     NOT NULL DEFAULT 'pending',
  sms_state     TEXT     NOT NULL DEFAULT 'pending',
  status        TEXT     NOT NULL DEFAULT 'pending',
  attempts      INTEGER  NOT NULL DEFAULT 0,
  next_at       DATETIME NOT NULL,
  claimed_until DATETIME NULL,
  last_error    TEXT     NOT NULL DEFAULT '',
  created_at    DATETIME NOT NULL,
  done_at       DATETIME NULL
);
CREATE INDEX notice_queue_due ON notice_queue (status, next_at);
CREATE INDEX notice_queue_person ON notice_queue (person_id, id);

-- +goose Down
DROP TABLE notice_queue;
