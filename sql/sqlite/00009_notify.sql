-- +goose Up
-- Outbound SMS (internal/notify): one row per message, inserted as "queued"
-- before the gateway is called, then "sent" (HTTP gateway accepted it, with
-- its provider_id), "stored" (outbox driver: the row is the delivery) or
-- "failed" (error holds a short reason, never a secret); delivery receipts
-- move "sent" to "delivered" or "undelivered". text is the message as stored:
-- secret variables (OTP codes) are masked unless the outbox driver is in use.
CREATE TABLE sms_message (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  phone        TEXT NOT NULL,
  template     TEXT NOT NULL,
  text         TEXT NOT NULL,
  status       TEXT NOT NULL,
  gateway      TEXT NOT NULL,
  provider_id  TEXT NOT NULL DEFAULT '',
  error        TEXT NOT NULL DEFAULT '',
  created_at   DATETIME NOT NULL,
  sent_at      DATETIME NULL,
  delivered_at DATETIME NULL
);
CREATE INDEX sms_message_phone ON sms_message (phone, id);
CREATE INDEX sms_message_provider ON sms_message (provider_id);

-- +goose Down
DROP TABLE sms_message;
