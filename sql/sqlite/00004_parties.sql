-- +goose Up
CREATE TABLE person (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  id_type     TEXT NOT NULL,
  id_number   TEXT NOT NULL,
  name        TEXT NOT NULL,
  mobile      TEXT NOT NULL DEFAULT '',
  created_at  DATETIME NOT NULL,
  UNIQUE (id_type, id_number)
);

CREATE TABLE staff_user (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  username     TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  branch       TEXT NOT NULL,
  status       TEXT NOT NULL,
  created_at   DATETIME NOT NULL
);

CREATE TABLE credential (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  subject_type   TEXT    NOT NULL,
  subject_id     INTEGER NOT NULL,
  password_hash  TEXT    NOT NULL,
  totp_secret    TEXT    NOT NULL DEFAULT '',
  failed_logins  INTEGER NOT NULL DEFAULT 0,
  locked_until   DATETIME NULL,
  created_at     DATETIME NOT NULL,
  updated_at     DATETIME NOT NULL,
  UNIQUE (subject_type, subject_id)
);

CREATE TABLE unit (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  unit_no            TEXT    NOT NULL UNIQUE,
  uscc               TEXT    NOT NULL UNIQUE,
  name               TEXT    NOT NULL,
  address            TEXT    NOT NULL DEFAULT '',
  legal_rep          TEXT    NOT NULL DEFAULT '',
  payday             INTEGER NOT NULL DEFAULT 10,
  bank_code          TEXT    NOT NULL DEFAULT '102',
  status             TEXT    NOT NULL,
  ratio_unit_bps     INTEGER NOT NULL,
  ratio_person_bps   INTEGER NOT NULL,
  first_month        TEXT    NOT NULL DEFAULT '',
  paid_through       TEXT    NOT NULL DEFAULT '',
  suspense_ledger_id INTEGER NULL,
  opened_on          TEXT    NULL,
  closed_on          TEXT    NULL,
  close_reason       TEXT    NOT NULL DEFAULT '',
  created_at         DATETIME NOT NULL,
  updated_at         DATETIME NULL
);

CREATE TABLE unit_agent (
  unit_id     INTEGER NOT NULL REFERENCES unit (id),
  person_id   INTEGER NOT NULL REFERENCES person (id),
  created_at  DATETIME NOT NULL,
  PRIMARY KEY (unit_id, person_id)
);

CREATE TABLE employee_account (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  account_no        TEXT    NOT NULL UNIQUE,
  person_id         INTEGER NOT NULL UNIQUE REFERENCES person (id),
  unit_id           INTEGER NOT NULL REFERENCES unit (id),
  status            TEXT    NOT NULL,
  prev_status       TEXT    NOT NULL DEFAULT '',
  base_fen          INTEGER NOT NULL,
  reserved_mobile   TEXT    NOT NULL,
  bank_card         TEXT    NOT NULL DEFAULT '',
  start_month       TEXT    NOT NULL DEFAULT '',
  paid_through      TEXT    NOT NULL DEFAULT '',
  carry_fen         INTEGER NOT NULL DEFAULT 0,
  status_reason     TEXT    NOT NULL DEFAULT '',
  status_on         TEXT    NULL,
  opened_on         TEXT    NOT NULL,
  closed_on         TEXT    NULL,
  ledger_account_id INTEGER NOT NULL UNIQUE REFERENCES ledger_account (id),
  created_at        DATETIME NOT NULL,
  updated_at        DATETIME NULL
);
CREATE INDEX employee_account_unit ON employee_account (unit_id);

-- +goose Down
DROP TABLE employee_account;
DROP TABLE unit_agent;
DROP TABLE unit;
DROP TABLE credential;
DROP TABLE staff_user;
DROP TABLE person;
