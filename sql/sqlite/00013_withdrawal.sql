-- +goose Up
-- Withdrawal applications (提取申请, internal/core/withdrawal). One row per
-- application; open_account_id holds the employee account while the
-- application is open (待审核、退回、支付中) and NULL afterwards, so its
-- unique key allows one open application per account. (person_id, idem_key)
-- is the Idempotency-Key of the submission; receipt is the first answer.
-- checks and fields are JSON (rule results, reason-specific information).
-- Money columns are fen; biz dates are business dates; times are UTC.
CREATE TABLE withdrawal_application (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id           INTEGER  NOT NULL,
  employee_account_id INTEGER  NOT NULL,
  account_no          TEXT     NOT NULL,
  reason              TEXT     NOT NULL,
  reason_name         TEXT     NOT NULL,
  tqyy                TEXT     NOT NULL,
  item                TEXT     NOT NULL,
  wtype               TEXT     NOT NULL,
  amount_fen          INTEGER  NOT NULL,
  interest_fen        INTEGER  NOT NULL DEFAULT 0,
  bank_card           TEXT     NOT NULL,
  payee_name          TEXT     NOT NULL,
  contract_no         TEXT     NOT NULL DEFAULT '',
  fields              TEXT     NOT NULL,
  checks              TEXT     NOT NULL,
  materials           TEXT     NOT NULL,
  status              TEXT     NOT NULL,
  review_level        INTEGER  NOT NULL,
  channel             TEXT     NOT NULL,
  idem_key            TEXT     NOT NULL,
  request_hash        TEXT     NOT NULL,
  receipt             TEXT     NOT NULL,
  open_account_id     INTEGER  NULL,
  rules_from          DATE     NOT NULL,
  submitted_on        DATE     NOT NULL,
  deadline_on         DATE     NOT NULL,
  submitted_at        DATETIME NOT NULL,
  decided_at          DATETIME NULL,
  first_reviewer      TEXT     NOT NULL DEFAULT '',
  first_comment       TEXT     NOT NULL DEFAULT '',
  first_at            DATETIME NULL,
  final_reviewer      TEXT     NOT NULL DEFAULT '',
  final_comment       TEXT     NOT NULL DEFAULT '',
  final_at            DATETIME NULL,
  decision_comment    TEXT     NOT NULL DEFAULT '',
  closed_from_status  TEXT     NOT NULL DEFAULT '',
  entry_serial        TEXT     NOT NULL DEFAULT '',
  pay_serial          TEXT     NOT NULL DEFAULT '',
  pay_sent_at         DATETIME NULL,
  bank_serial         TEXT     NOT NULL DEFAULT '',
  pay_error           TEXT     NOT NULL DEFAULT '',
  paid_on             DATE     NULL,
  paid_at             DATETIME NULL,
  updated_at          DATETIME NOT NULL,
  UNIQUE (person_id, idem_key),
  UNIQUE (open_account_id),
  FOREIGN KEY (person_id) REFERENCES person (id),
  FOREIGN KEY (employee_account_id) REFERENCES employee_account (id)
);
CREATE INDEX withdrawal_account ON withdrawal_application (employee_account_id, reason, status);
CREATE INDEX withdrawal_contract ON withdrawal_application (contract_no);
CREATE INDEX withdrawal_queue ON withdrawal_application (status, deadline_on);
CREATE INDEX withdrawal_pay ON withdrawal_application (pay_serial);

-- The progress of each application (提取进度): one row per step.
CREATE TABLE withdrawal_event (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  application_id INTEGER  NOT NULL,
  at             DATETIME NOT NULL,
  actor          TEXT     NOT NULL,
  channel        TEXT     NOT NULL,
  action         TEXT     NOT NULL,
  status         TEXT     NOT NULL,
  comment        TEXT     NOT NULL DEFAULT '',
  FOREIGN KEY (application_id) REFERENCES withdrawal_application (id)
);
CREATE INDEX withdrawal_event_app ON withdrawal_event (application_id, id);

-- +goose Down
DROP TABLE withdrawal_event;
DROP TABLE withdrawal_application;
