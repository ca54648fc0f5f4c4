-- +goose Up
-- Self-service kiosks (channels/kiosk) and government data sharing
-- (channels/gov). Both kinds of client sign every request with a shared key
-- (HMAC-SHA256, see channels/kiosk/signing); the key is stored as issued
-- because the server must compute the same HMAC. Times are UTC.

-- kiosk_device: one registered kiosk (id, branch, key) with its last
-- heartbeat. status: active | disabled.
CREATE TABLE kiosk_device (
  id           VARCHAR(32)  NOT NULL PRIMARY KEY,
  branch       VARCHAR(64)  NOT NULL,
  name         VARCHAR(100) NOT NULL DEFAULT '',
  secret       VARCHAR(128) NOT NULL,
  status       VARCHAR(16)  NOT NULL DEFAULT 'active',
  created_by   VARCHAR(64)  NOT NULL DEFAULT '',
  created_at   DATETIME(6)  NOT NULL,
  last_seen_at DATETIME(6)  NULL,
  last_ip      VARCHAR(64)  NOT NULL DEFAULT '',
  last_state   VARCHAR(200) NOT NULL DEFAULT ''
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- kiosk_print: every document a kiosk printed (kind statement |
-- deposit_certificate | loan_settlement), by business date.
CREATE TABLE kiosk_print (
  id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kiosk_id   VARCHAR(32) NOT NULL,
  person_id  BIGINT      NOT NULL,
  kind       VARCHAR(32) NOT NULL,
  doc_no     VARCHAR(64) NOT NULL DEFAULT '',
  biz_date   DATE        NOT NULL,
  printed_at DATETIME(6) NOT NULL,
  KEY kiosk_print_person (person_id, biz_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- kiosk_print_day: prints per person and business date, counted with one
-- conditional UPDATE so the daily limit holds under concurrency.
CREATE TABLE kiosk_print_day (
  person_id BIGINT NOT NULL,
  biz_date  DATE   NOT NULL,
  prints    INT    NOT NULL DEFAULT 0,
  PRIMARY KEY (person_id, biz_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- signed_nonce: nonces of signed requests seen within the freshness window
-- ("kiosk:<id>" or "gov:<id>"); a second use is a replay.
CREATE TABLE signed_nonce (
  client  VARCHAR(64) NOT NULL,
  nonce   VARCHAR(64) NOT NULL,
  seen_at DATETIME(6) NOT NULL,
  PRIMARY KEY (client, nonce),
  KEY signed_nonce_seen (seen_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- gov_agency: a government system allowed to query (civil affairs …) with
-- its key and the query kinds it may use (comma list: basic,withdrawals,loans).
CREATE TABLE gov_agency (
  id         VARCHAR(32)  NOT NULL PRIMARY KEY,
  name       VARCHAR(100) NOT NULL,
  secret     VARCHAR(128) NOT NULL,
  kinds      VARCHAR(200) NOT NULL,
  status     VARCHAR(16)  NOT NULL DEFAULT 'active',
  created_by VARCHAR(64)  NOT NULL DEFAULT '',
  created_at DATETIME(6)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- gov_authorization: a family's recorded authorization (授权) for an
-- agency's checks: the members' ID numbers (JSON list), the kinds it covers
-- and its last valid business date.
CREATE TABLE gov_authorization (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  agency_id   VARCHAR(32)  NOT NULL,
  ref         VARCHAR(64)  NOT NULL,
  purpose     VARCHAR(200) NOT NULL DEFAULT '',
  members     TEXT         NOT NULL,
  kinds       VARCHAR(200) NOT NULL,
  valid_until DATE         NOT NULL,
  recorded_at DATETIME(6)  NOT NULL,
  UNIQUE KEY gov_authorization_ref (agency_id, ref)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE gov_authorization;
DROP TABLE gov_agency;
DROP TABLE signed_nonce;
DROP TABLE kiosk_print_day;
DROP TABLE kiosk_print;
DROP TABLE kiosk_device;
