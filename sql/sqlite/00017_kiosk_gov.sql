-- +goose Up
-- Self-service kiosks (channels/kiosk) and government data sharing
-- (channels/gov); see the MySQL file for the meaning of each table.
CREATE TABLE kiosk_device (
  id           TEXT     NOT NULL PRIMARY KEY,
  branch       TEXT     NOT NULL,
  name         TEXT     NOT NULL DEFAULT '',
  secret       TEXT     NOT NULL,
  status       TEXT     NOT NULL DEFAULT 'active',
  created_by   TEXT     NOT NULL DEFAULT '',
  created_at   DATETIME NOT NULL,
  last_seen_at DATETIME NULL,
  last_ip      TEXT     NOT NULL DEFAULT '',
  last_state   TEXT     NOT NULL DEFAULT ''
);

CREATE TABLE kiosk_print (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  kiosk_id   TEXT     NOT NULL,
  person_id  INTEGER  NOT NULL,
  kind       TEXT     NOT NULL,
  doc_no     TEXT     NOT NULL DEFAULT '',
  biz_date   TEXT     NOT NULL,
  printed_at DATETIME NOT NULL
);
CREATE INDEX kiosk_print_person ON kiosk_print (person_id, biz_date);

CREATE TABLE kiosk_print_day (
  person_id INTEGER NOT NULL,
  biz_date  TEXT    NOT NULL,
  prints    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (person_id, biz_date)
);

CREATE TABLE signed_nonce (
  client  TEXT     NOT NULL,
  nonce   TEXT     NOT NULL,
  seen_at DATETIME NOT NULL,
  PRIMARY KEY (client, nonce)
);
CREATE INDEX signed_nonce_seen ON signed_nonce (seen_at);

CREATE TABLE gov_agency (
  id         TEXT     NOT NULL PRIMARY KEY,
  name       TEXT     NOT NULL,
  secret     TEXT     NOT NULL,
  kinds      TEXT     NOT NULL,
  status     TEXT     NOT NULL DEFAULT 'active',
  created_by TEXT     NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL
);

CREATE TABLE gov_authorization (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  agency_id   TEXT     NOT NULL,
  ref         TEXT     NOT NULL,
  purpose     TEXT     NOT NULL DEFAULT '',
  members     TEXT     NOT NULL,
  kinds       TEXT     NOT NULL,
  valid_until TEXT     NOT NULL,
  recorded_at DATETIME NOT NULL,
  UNIQUE (agency_id, ref)
);

-- +goose Down
DROP TABLE gov_authorization;
DROP TABLE gov_agency;
DROP TABLE signed_nonce;
DROP TABLE kiosk_print_day;
DROP TABLE kiosk_print;
DROP TABLE kiosk_device;
