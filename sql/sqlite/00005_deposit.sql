-- +goose Up
CREATE TABLE unit_prereg (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  uscc                TEXT NOT NULL,
  name                TEXT NOT NULL,
  address             TEXT NOT NULL,
  legal_rep           TEXT NOT NULL,
  payday              INTEGER NOT NULL,
  bank_code           TEXT NOT NULL,
  ratio_unit_bps      INTEGER NOT NULL,
  ratio_person_bps    INTEGER NOT NULL,
  agent_id_number     TEXT NOT NULL,
  agent_name          TEXT NOT NULL,
  agent_mobile        TEXT NOT NULL,
  status              TEXT NOT NULL,
  submitted_at        DATETIME NOT NULL,
  reviewed_by         TEXT NOT NULL DEFAULT '',
  reviewed_at         DATETIME NULL,
  review_comment      TEXT NOT NULL DEFAULT '',
  unit_id             INTEGER NULL
);
CREATE INDEX unit_prereg_status ON unit_prereg (status);
CREATE INDEX unit_prereg_uscc ON unit_prereg (uscc);

CREATE TABLE base_history (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  employee_account_id INTEGER NOT NULL,
  effective_month     TEXT NOT NULL,
  base_fen            INTEGER NOT NULL,
  source              TEXT NOT NULL,
  created_by          TEXT NOT NULL,
  created_at          DATETIME NOT NULL,
  UNIQUE (employee_account_id, effective_month),
  FOREIGN KEY (employee_account_id) REFERENCES employee_account (id)
);

CREATE TABLE ratio_history (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  unit_id             INTEGER NOT NULL,
  effective_month     TEXT NOT NULL,
  unit_bps            INTEGER NOT NULL,
  person_bps          INTEGER NOT NULL,
  created_by          TEXT NOT NULL,
  created_at          DATETIME NOT NULL,
  UNIQUE (unit_id, effective_month),
  FOREIGN KEY (unit_id) REFERENCES unit (id)
);

CREATE TABLE remittance (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  unit_id             INTEGER NOT NULL,
  kind                TEXT NOT NULL,
  month               TEXT NOT NULL,
  batch               INTEGER NOT NULL,
  status              TEXT NOT NULL,
  headcount           INTEGER NOT NULL,
  unit_part_fen       INTEGER NOT NULL,
  personal_part_fen   INTEGER NOT NULL,
  total_fen           INTEGER NOT NULL,
  rounding            TEXT NOT NULL,
  generated_by        TEXT NOT NULL,
  generated_at        DATETIME NOT NULL,
  posted_at           DATETIME NULL,
  bank_serial         TEXT NULL,
  entry_serial        TEXT NOT NULL DEFAULT '',
  UNIQUE (unit_id, kind, month, batch),
  UNIQUE (bank_serial),
  FOREIGN KEY (unit_id) REFERENCES unit (id)
);

CREATE TABLE remittance_line (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  remittance_id       INTEGER NOT NULL,
  line_no             INTEGER NOT NULL,
  employee_account_id INTEGER NOT NULL,
  account_no          TEXT NOT NULL,
  month               TEXT NOT NULL,
  base_fen            INTEGER NOT NULL,
  unit_bps            INTEGER NOT NULL,
  person_bps          INTEGER NOT NULL,
  unit_fen            INTEGER NOT NULL,
  personal_fen        INTEGER NOT NULL,
  UNIQUE (remittance_id, line_no),
  FOREIGN KEY (remittance_id) REFERENCES remittance (id)
);
CREATE INDEX remittance_line_account ON remittance_line (employee_account_id, month);

CREATE TABLE bank_receipt (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  bank_serial         TEXT NOT NULL,
  bank_code           TEXT NOT NULL,
  amount_fen          INTEGER NOT NULL,
  payer_account       TEXT NOT NULL,
  payer_name          TEXT NOT NULL,
  memo                TEXT NOT NULL,
  received_on         TEXT NOT NULL,
  status              TEXT NOT NULL,
  unit_id             INTEGER NULL,
  remittance_id       INTEGER NULL,
  entry_serial        TEXT NOT NULL DEFAULT '',
  created_at          DATETIME NOT NULL,
  updated_at          DATETIME NULL,
  UNIQUE (bank_serial)
);
CREATE INDEX bank_receipt_unit ON bank_receipt (unit_id, status);

CREATE TABLE deferral (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  unit_id             INTEGER NOT NULL,
  start_month         TEXT NOT NULL,
  end_month           TEXT NOT NULL,
  reason              TEXT NOT NULL,
  status              TEXT NOT NULL,
  applied_by          TEXT NOT NULL,
  applied_at          DATETIME NOT NULL,
  reviewed_by         TEXT NOT NULL DEFAULT '',
  reviewed_at         DATETIME NULL,
  review_comment      TEXT NOT NULL DEFAULT '',
  FOREIGN KEY (unit_id) REFERENCES unit (id)
);
CREATE INDEX deferral_unit ON deferral (unit_id, status);

CREATE TABLE interest_run (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  year                INTEGER NOT NULL,
  status              TEXT NOT NULL,
  rate_ppm            INTEGER NOT NULL,
  basis               TEXT NOT NULL,
  total               INTEGER NOT NULL DEFAULT 0,
  done                INTEGER NOT NULL DEFAULT 0,
  interest_fen        INTEGER NOT NULL DEFAULT 0,
  cursor_id           INTEGER NOT NULL DEFAULT 0,
  started_by          TEXT NOT NULL,
  started_at          DATETIME NOT NULL,
  finished_at         DATETIME NULL,
  UNIQUE (year)
);

CREATE TABLE interest_item (
  employee_account_id INTEGER NOT NULL,
  year                INTEGER NOT NULL,
  period_from         TEXT NOT NULL,
  period_to           TEXT NOT NULL,
  jishu_fen_days      INTEGER NOT NULL,
  interest_fen        INTEGER NOT NULL,
  entry_serial        TEXT NOT NULL,
  created_at          DATETIME NOT NULL,
  PRIMARY KEY (employee_account_id, year),
  FOREIGN KEY (employee_account_id) REFERENCES employee_account (id)
);

-- +goose Down
DROP TABLE interest_item;
DROP TABLE interest_run;
DROP TABLE deferral;
DROP TABLE bank_receipt;
DROP TABLE remittance_line;
DROP TABLE remittance;
DROP TABLE ratio_history;
DROP TABLE base_history;
DROP TABLE unit_prereg;
