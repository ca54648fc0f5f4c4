-- +goose Up
-- Outbound SMS (internal/notify): one row per message, inserted as "queued"
-- before the gateway is called, then "sent" (HTTP gateway accepted it, with
-- its provider_id), "stored" (outbox driver: the row is the delivery) or
-- "failed" (error holds a short reason, never a secret); delivery receipts
-- move "sent" to "delivered" or "undelivered". text is the message as stored:
-- secret variables (OTP codes) are masked unless the outbox driver is in use.
CREATE TABLE sms_message (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone        VARCHAR(11)  NOT NULL,
  template     VARCHAR(64)  NOT NULL,
  text         TEXT         NOT NULL,
  status       VARCHAR(16)  NOT NULL,
  gateway      VARCHAR(32)  NOT NULL,
  provider_id  VARCHAR(128) NOT NULL DEFAULT '',
  error        VARCHAR(255) NOT NULL DEFAULT '',
  created_at   DATETIME(6)  NOT NULL,
  sent_at      DATETIME(6)  NULL,
  delivered_at DATETIME(6)  NULL,
  KEY sms_message_phone (phone, id),
  KEY sms_message_provider (provider_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE sms_message;
