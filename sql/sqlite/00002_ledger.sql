-- +goose Up
CREATE TABLE ledger_account (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  code            TEXT    NOT NULL UNIQUE,
  name            TEXT    NOT NULL,
  type            TEXT    NOT NULL,
  owner_type      TEXT    NOT NULL,
  owner_id        TEXT    NOT NULL,
  allow_overdraft INTEGER NOT NULL DEFAULT 0,
  balance_fen     INTEGER NOT NULL DEFAULT 0,
  posting_count   INTEGER NOT NULL DEFAULT 0,
  created_at      DATETIME NOT NULL
);
CREATE INDEX ledger_account_owner ON ledger_account (owner_type, owner_id);

CREATE TABLE journal_entry (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  serial      TEXT    NOT NULL UNIQUE,
  biz_type    TEXT    NOT NULL,
  biz_date    TEXT    NOT NULL,
  memo        TEXT    NOT NULL,
  fingerprint TEXT    NOT NULL,
  reverses_id INTEGER NULL UNIQUE REFERENCES journal_entry (id),
  channel     TEXT    NOT NULL,
  actor       TEXT    NOT NULL,
  created_at  DATETIME NOT NULL
);
CREATE INDEX journal_entry_date ON journal_entry (biz_date);

CREATE TABLE posting (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  entry_id          INTEGER NOT NULL REFERENCES journal_entry (id),
  line_no           INTEGER NOT NULL,
  account_id        INTEGER NOT NULL REFERENCES ledger_account (id),
  account_seq       INTEGER NOT NULL,
  side              TEXT    NOT NULL CHECK (side IN ('D', 'C')),
  amount_fen        INTEGER NOT NULL CHECK (amount_fen > 0),
  balance_after_fen INTEGER NOT NULL,
  biz_date          TEXT    NOT NULL,
  UNIQUE (entry_id, line_no),
  UNIQUE (account_id, account_seq)
);

-- +goose Down
DROP TABLE posting;
DROP TABLE journal_entry;
DROP TABLE ledger_account;
