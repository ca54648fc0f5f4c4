-- +goose Up
-- Personal housing provident fund loans (internal/core/loan, domain.md §3).
--
-- loan_application: an application (申请) with its co-borrower, the house and
-- the seller, the quote it was made on (limits and checks as JSON) and its
-- state: reviewing (待审核, review_level 1 初审 / 2 终审…) → approved
-- (待签合同) → signed (合同已签、抵押已登记, 待放款) → disbursed (已放款);
-- rejected (审核不通过) or withdrawn (已撤回). open_person_id holds person_id
-- while the application is open and NULL afterwards: one open application per
-- person is a unique key, not a race. (person_id, idem_key) makes a retried
-- submission return the first application.
CREATE TABLE loan_application (
  id               INTEGER  PRIMARY KEY AUTOINCREMENT,
  person_id        INTEGER  NOT NULL,
  account_no       TEXT     NOT NULL,
  co_person_id     INTEGER  NULL,
  co_account_no    TEXT     NOT NULL DEFAULT '',
  home             TEXT     NOT NULL,
  house_price_fen  INTEGER  NOT NULL,
  house_address    TEXT     NOT NULL,
  amount_fen       INTEGER  NOT NULL,
  term_months      INTEGER  NOT NULL,
  method           TEXT     NOT NULL,
  rate_ppm         INTEGER  NOT NULL,
  limit_fen        INTEGER  NOT NULL,
  monthly_debt_fen INTEGER  NOT NULL DEFAULT 0,
  seller_name      TEXT     NOT NULL,
  seller_account   TEXT     NOT NULL,
  seller_bank      TEXT     NOT NULL,
  repay_card       TEXT     NOT NULL,
  quote            TEXT     NOT NULL,
  status           TEXT     NOT NULL,
  review_level     INTEGER  NOT NULL DEFAULT 1,
  contract_no      TEXT     NULL,
  mortgage_ref     TEXT     NOT NULL DEFAULT '',
  signed_on        TEXT     NULL,
  loan_no          TEXT     NULL,
  channel          TEXT     NOT NULL,
  idem_key         TEXT     NULL,
  idem_hash        TEXT     NOT NULL DEFAULT '',
  open_person_id   INTEGER  NULL,
  applied_on       TEXT     NOT NULL,
  decided_at       DATETIME NULL,
  created_at       DATETIME NOT NULL,
  updated_at       DATETIME NULL
);
CREATE UNIQUE INDEX loan_application_open ON loan_application (open_person_id);
CREATE UNIQUE INDEX loan_application_idem ON loan_application (person_id, idem_key);
CREATE UNIQUE INDEX loan_application_contract ON loan_application (contract_no);
CREATE INDEX loan_application_status ON loan_application (status);
CREATE INDEX loan_application_person ON loan_application (person_id);

-- loan_review: each review decision (初审, 终审) with the reviewer and reason.
CREATE TABLE loan_review (
  id             INTEGER  PRIMARY KEY AUTOINCREMENT,
  application_id INTEGER  NOT NULL,
  level          INTEGER  NOT NULL,
  decision       TEXT     NOT NULL,
  reviewer       TEXT     NOT NULL,
  comment        TEXT     NOT NULL DEFAULT '',
  created_at     DATETIME NOT NULL,
  FOREIGN KEY (application_id) REFERENCES loan_application (id)
);
CREATE INDEX loan_review_application ON loan_review (application_id);

-- loan: a disbursed loan (贷款账户, JGJ/T 320 表6.0.5). balance_fen is the
-- principal outstanding (DKYE), always equal to the balance of the loan's
-- ledger receivable account (ledger_code). fixed_fen is the current monthly
-- instalment (等额本息) or principal share (等额本金). status: normal (正常),
-- overdue (逾期), settled (已结清). open_person_id / open_co_person_id are set
-- while the loan is not settled: one open fund loan per person.
CREATE TABLE loan (
  id                INTEGER  PRIMARY KEY AUTOINCREMENT,
  loan_no           TEXT     NOT NULL,
  application_id    INTEGER  NOT NULL,
  person_id         INTEGER  NOT NULL,
  account_no        TEXT     NOT NULL,
  co_person_id      INTEGER  NULL,
  co_account_no     TEXT     NOT NULL DEFAULT '',
  contract_no       TEXT     NOT NULL,
  ledger_code       TEXT     NOT NULL,
  home              TEXT     NOT NULL,
  method            TEXT     NOT NULL,
  principal_fen     INTEGER  NOT NULL,
  balance_fen       INTEGER  NOT NULL,
  contract_rate_ppm INTEGER  NOT NULL,
  rate_ppm          INTEGER  NOT NULL,
  term_months       INTEGER  NOT NULL,
  fixed_fen         INTEGER  NOT NULL,
  due_day           INTEGER  NOT NULL,
  disbursed_on      TEXT     NOT NULL,
  maturity_on       TEXT     NOT NULL,
  status            TEXT     NOT NULL,
  repay_card        TEXT     NOT NULL,
  repriced_year     INTEGER  NOT NULL DEFAULT 0,
  overdue_count     INTEGER  NOT NULL DEFAULT 0,
  settled_on        TEXT     NULL,
  open_person_id    INTEGER  NULL,
  open_co_person_id INTEGER  NULL,
  created_at        DATETIME NOT NULL,
  updated_at        DATETIME NULL,
  FOREIGN KEY (application_id) REFERENCES loan_application (id)
);
CREATE UNIQUE INDEX loan_loan_no ON loan (loan_no);
CREATE UNIQUE INDEX loan_by_application ON loan (application_id);
CREATE UNIQUE INDEX loan_open_person ON loan (open_person_id);
CREATE UNIQUE INDEX loan_open_co_person ON loan (open_co_person_id);
CREATE INDEX loan_person ON loan (person_id);
CREATE INDEX loan_status ON loan (status);

-- loan_instalment: the repayment plan (还款计划), one row per period. A
-- scheduled row is replaced when a prepayment or a rate change re-amortises
-- the rest; due rows are never replaced. status: scheduled (未到期), overdue
-- (逾期, partly or not paid after its due date), paid (已还). penalty_fen is
-- the penalty interest accrued up to penalty_from; the rest accrues from
-- penalty_from on the overdue amount.
CREATE TABLE loan_instalment (
  id                 INTEGER  PRIMARY KEY AUTOINCREMENT,
  loan_id            INTEGER  NOT NULL,
  period             INTEGER  NOT NULL,
  due_on             TEXT     NOT NULL,
  principal_fen      INTEGER  NOT NULL,
  interest_fen       INTEGER  NOT NULL,
  paid_principal_fen INTEGER  NOT NULL DEFAULT 0,
  paid_interest_fen  INTEGER  NOT NULL DEFAULT 0,
  penalty_fen        INTEGER  NOT NULL DEFAULT 0,
  paid_penalty_fen   INTEGER  NOT NULL DEFAULT 0,
  penalty_from       TEXT     NULL,
  status             TEXT     NOT NULL,
  paid_on            TEXT     NULL,
  FOREIGN KEY (loan_id) REFERENCES loan (id)
);
CREATE UNIQUE INDEX loan_instalment_period ON loan_instalment (loan_id, period);
CREATE INDEX loan_instalment_due ON loan_instalment (status, due_on);

-- loan_txn: loan business detail (贷款业务明细, 表6.0.6): one row per
-- disbursement and per instalment (or prepayment) a repayment covered, with
-- the ledger serial that moved the money. kind is DKYWMXLX (A.15); source is
-- bank (银行扣款), fund (公积金冲还贷), seller (放款至售房人) or counter.
CREATE TABLE loan_txn (
  id                INTEGER  PRIMARY KEY AUTOINCREMENT,
  loan_id           INTEGER  NOT NULL,
  serial            TEXT     NOT NULL,
  kind              TEXT     NOT NULL,
  period            INTEGER  NOT NULL DEFAULT 0,
  biz_date          TEXT     NOT NULL,
  amount_fen        INTEGER  NOT NULL,
  principal_fen     INTEGER  NOT NULL,
  interest_fen      INTEGER  NOT NULL,
  penalty_fen       INTEGER  NOT NULL,
  balance_after_fen INTEGER  NOT NULL,
  source            TEXT     NOT NULL,
  memo              TEXT     NOT NULL DEFAULT '',
  created_at        DATETIME NOT NULL,
  FOREIGN KEY (loan_id) REFERENCES loan (id)
);
CREATE UNIQUE INDEX loan_txn_serial_period ON loan_txn (serial, period);
CREATE INDEX loan_txn_loan ON loan_txn (loan_id, biz_date);

-- loan_offset: monthly offset agreements (按月冲还贷, §3.11). active_loan_id
-- is the loan while the agreement is in force (one per loan), NULL after
-- cancellation.
CREATE TABLE loan_offset (
  id             INTEGER  PRIMARY KEY AUTOINCREMENT,
  loan_id        INTEGER  NOT NULL,
  include_co     INTEGER  NOT NULL DEFAULT 0,
  status         TEXT     NOT NULL,
  signed_on      TEXT     NOT NULL,
  cancelled_on   TEXT     NULL,
  channel        TEXT     NOT NULL,
  active_loan_id INTEGER  NULL,
  created_at     DATETIME NOT NULL,
  FOREIGN KEY (loan_id) REFERENCES loan (id)
);
CREATE UNIQUE INDEX loan_offset_active ON loan_offset (active_loan_id);
CREATE INDEX loan_offset_loan ON loan_offset (loan_id);

-- eod_run: the day-end job (gjj eod) of each business date. The row is the
-- run-once guard: inserted when a run starts (a second instance finds it and
-- stops), taken over only when its heartbeat is stale (the holder died), and
-- marked done in the transaction that advances the business date.
CREATE TABLE eod_run (
  biz_date     TEXT     NOT NULL PRIMARY KEY,
  status       TEXT     NOT NULL,
  holder       TEXT     NOT NULL,
  started_at   DATETIME NOT NULL,
  heartbeat_at DATETIME NOT NULL,
  finished_at  DATETIME NULL,
  summary      TEXT     NOT NULL
);

-- +goose Down
DROP TABLE eod_run;
DROP TABLE loan_offset;
DROP TABLE loan_txn;
DROP TABLE loan_instalment;
DROP TABLE loan;
DROP TABLE loan_review;
DROP TABLE loan_application;
