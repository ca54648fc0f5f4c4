-- +goose Up
-- notice_queue (internal/notify): business notices written in the same
-- transaction as the business change (e.g. deposit.credited with the posting)
-- and delivered after commit by notify's dispatcher, so a notice never rolls
-- back or blocks the change and is sent once. dedup is the business key (entry
-- serial + account), unique. wechat_state and sms_state are each pending |
-- sent | none (no binding, no template id, unsubscribed) | failed; status is
-- pending until both are settled, then done, or failed after max attempts.
-- claimed_until leases a row to one dispatcher; next_at delays retries and
-- notices held for the quiet hours. last_error is short and holds no secret.
CREATE TABLE notice_queue (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  dedup         VARCHAR(128) NOT NULL,
  person_id     BIGINT       NOT NULL,
  phone         VARCHAR(20)  NOT NULL DEFAULT '',
  template      VARCHAR(64)  NOT NULL,
  vars          TEXT         NOT NULL,
  wechat_state  VARCHAR(16)  NOT NULL DEFAULT 'pending',
  sms_state     VARCHAR(16)  NOT NULL DEFAULT 'pending',
  status        VARCHAR(16)  NOT NULL DEFAULT 'pending',
  attempts      INT          NOT NULL DEFAULT 0,
  next_at       DATETIME(6)  NOT NULL,
  claimed_until DATETIME(6)  NULL,
  last_error    VARCHAR(255) NOT NULL DEFAULT '',
  created_at    DATETIME(6)  NOT NULL,
  done_at       DATETIME(6)  NULL,
  UNIQUE KEY notice_queue_dedup (dedup),
  KEY notice_queue_due (status, next_at),
  KEY notice_queue_person (person_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE notice_queue;
