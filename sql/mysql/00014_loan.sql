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
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id        BIGINT       NOT NULL,
  account_no       VARCHAR(20)  NOT NULL,
  co_person_id     BIGINT       NULL,
  co_account_no    VARCHAR(20)  NOT NULL DEFAULT '',
  home             VARCHAR(8)   NOT NULL,
  house_price_fen  BIGINT       NOT NULL,
  house_address    VARCHAR(200) NOT NULL,
  amount_fen       BIGINT       NOT NULL,
  term_months      INT          NOT NULL,
  method           VARCHAR(24)  NOT NULL,
  rate_ppm         BIGINT       NOT NULL,
  limit_fen        BIGINT       NOT NULL,
  monthly_debt_fen BIGINT       NOT NULL DEFAULT 0,
  seller_name      VARCHAR(100) NOT NULL,
  seller_account   VARCHAR(40)  NOT NULL,
  seller_bank      VARCHAR(100) NOT NULL,
  repay_card       VARCHAR(32)  NOT NULL,
  quote            TEXT         NOT NULL,
  status           VARCHAR(16)  NOT NULL,
  review_level     INT          NOT NULL DEFAULT 1,
  contract_no      VARCHAR(32)  NULL,
  mortgage_ref     VARCHAR(64)  NOT NULL DEFAULT '',
  signed_on        DATE         NULL,
  loan_no          VARCHAR(20)  NULL,
  channel          VARCHAR(16)  NOT NULL,
  idem_key         VARCHAR(64)  NULL,
  idem_hash        CHAR(64)     NOT NULL DEFAULT '',
  open_person_id   BIGINT       NULL,
  applied_on       DATE         NOT NULL,
  decided_at       DATETIME(6)  NULL,
  created_at       DATETIME(6)  NOT NULL,
  updated_at       DATETIME(6)  NULL,
  UNIQUE KEY loan_application_open (open_person_id),
  UNIQUE KEY loan_application_idem (person_id, idem_key),
  UNIQUE KEY loan_application_contract (contract_no),
  KEY loan_application_status (status),
  KEY loan_application_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- loan_review: each review decision (初审, 终审) with the reviewer and reason.
CREATE TABLE loan_review (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  application_id BIGINT       NOT NULL,
  level          INT          NOT NULL,
  decision       VARCHAR(16)  NOT NULL,
  reviewer       VARCHAR(64)  NOT NULL,
  comment        VARCHAR(200) NOT NULL DEFAULT '',
  created_at     DATETIME(6)  NOT NULL,
  KEY loan_review_application (application_id),
  CONSTRAINT loan_review_application_fk FOREIGN KEY (application_id) REFERENCES loan_application (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- loan: a disbursed loan (贷款账户, JGJ/T 320 表6.0.5). balance_fen is the
-- principal outstanding (DKYE), always equal to the balance of the loan's
-- ledger receivable account (ledger_code). fixed_fen is the current monthly
-- instalment (等额本息) or principal share (等额本金). status: normal (正常),
-- overdue (逾期), settled (已结清). open_person_id / open_co_person_id are set
-- while the loan is not settled: one open fund loan per person.
CREATE TABLE loan (
  id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  loan_no           VARCHAR(20)  NOT NULL,
  application_id    BIGINT       NOT NULL,
  person_id         BIGINT       NOT NULL,
  account_no        VARCHAR(20)  NOT NULL,
  co_person_id      BIGINT       NULL,
  co_account_no     VARCHAR(20)  NOT NULL DEFAULT '',
  contract_no       VARCHAR(32)  NOT NULL,
  ledger_code       VARCHAR(40)  NOT NULL,
  home              VARCHAR(8)   NOT NULL,
  method            VARCHAR(24)  NOT NULL,
  principal_fen     BIGINT       NOT NULL,
  balance_fen       BIGINT       NOT NULL,
  contract_rate_ppm BIGINT       NOT NULL,
  rate_ppm          BIGINT       NOT NULL,
  term_months       INT          NOT NULL,
  fixed_fen         BIGINT       NOT NULL,
  due_day           INT          NOT NULL,
  disbursed_on      DATE         NOT NULL,
  maturity_on       DATE         NOT NULL,
  status            VARCHAR(16)  NOT NULL,
  repay_card        VARCHAR(32)  NOT NULL,
  repriced_year     INT          NOT NULL DEFAULT 0,
  overdue_count     INT          NOT NULL DEFAULT 0,
  settled_on        DATE         NULL,
  open_person_id    BIGINT       NULL,
  open_co_person_id BIGINT       NULL,
  created_at        DATETIME(6)  NOT NULL,
  updated_at        DATETIME(6)  NULL,
  UNIQUE KEY loan_loan_no (loan_no),
  UNIQUE KEY loan_by_application (application_id),
  UNIQUE KEY loan_open_person (open_person_id),
  UNIQUE KEY loan_open_co_person (open_co_person_id),
  KEY loan_person (person_id),
  KEY loan_status (status),
  CONSTRAINT loan_application_fk FOREIGN KEY (application_id) REFERENCES loan_application (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- loan_instalment: the repayment plan (还款计划), one row per period. A
-- scheduled row is replaced when a prepayment or a rate change re-amortises
-- the rest; due rows are never replaced. status: scheduled (未到期), overdue
-- (逾期, partly or not paid after its due date), paid (已还). penalty_fen is
-- the penalty interest accrued up to penalty_from; the rest accrues from
-- penalty_from on the overdue amount.
CREATE TABLE loan_instalment (
  id                 BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  loan_id            BIGINT      NOT NULL,
  period             INT         NOT NULL,
  due_on             DATE        NOT NULL,
  principal_fen      BIGINT      NOT NULL,
  interest_fen       BIGINT      NOT NULL,
  paid_principal_fen BIGINT      NOT NULL DEFAULT 0,
  paid_interest_fen  BIGINT      NOT NULL DEFAULT 0,
  penalty_fen        BIGINT      NOT NULL DEFAULT 0,
  paid_penalty_fen   BIGINT      NOT NULL DEFAULT 0,
  penalty_from       DATE        NULL,
  status             VARCHAR(16) NOT NULL,
  paid_on            DATE        NULL,
  UNIQUE KEY loan_instalment_period (loan_id, period),
  KEY loan_instalment_due (status, due_on),
  CONSTRAINT loan_instalment_loan_fk FOREIGN KEY (loan_id) REFERENCES loan (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- loan_txn: loan business detail (贷款业务明细, 表6.0.6): one row per
-- disbursement and per instalment (or prepayment) a repayment covered, with
-- the ledger serial that moved the money. kind is DKYWMXLX (A.15); source is
-- bank (银行扣款), fund (公积金冲还贷), seller (放款至售房人) or counter.
CREATE TABLE loan_txn (
  id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  loan_id           BIGINT       NOT NULL,
  serial            VARCHAR(64)  NOT NULL,
  kind              CHAR(2)      NOT NULL,
  period            INT          NOT NULL DEFAULT 0,
  biz_date          DATE         NOT NULL,
  amount_fen        BIGINT       NOT NULL,
  principal_fen     BIGINT       NOT NULL,
  interest_fen      BIGINT       NOT NULL,
  penalty_fen       BIGINT       NOT NULL,
  balance_after_fen BIGINT       NOT NULL,
  source            VARCHAR(8)   NOT NULL,
  memo              VARCHAR(200) NOT NULL DEFAULT '',
  created_at        DATETIME(6)  NOT NULL,
  UNIQUE KEY loan_txn_serial_period (serial, period),
  KEY loan_txn_loan (loan_id, biz_date),
  CONSTRAINT loan_txn_loan_fk FOREIGN KEY (loan_id) REFERENCES loan (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- loan_offset: monthly offset agreements (按月冲还贷, §3.11). active_loan_id
-- is the loan while the agreement is in force (one per loan), NULL after
-- cancellation.
CREATE TABLE loan_offset (
  id             BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  loan_id        BIGINT      NOT NULL,
  include_co     BOOLEAN     NOT NULL DEFAULT FALSE,
  status         VARCHAR(16) NOT NULL,
  signed_on      DATE        NOT NULL,
  cancelled_on   DATE        NULL,
  channel        VARCHAR(16) NOT NULL,
  active_loan_id BIGINT      NULL,
  created_at     DATETIME(6) NOT NULL,
  UNIQUE KEY loan_offset_active (active_loan_id),
  KEY loan_offset_loan (loan_id),
  CONSTRAINT loan_offset_loan_fk FOREIGN KEY (loan_id) REFERENCES loan (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- eod_run: the day-end job (gjj eod) of each business date. The row is the
-- run-once guard: inserted when a run starts (a second instance finds it and
-- stops), taken over only when its heartbeat is stale (the holder died), and
-- marked done in the transaction that advances the business date.
CREATE TABLE eod_run (
  biz_date     DATE         NOT NULL PRIMARY KEY,
  status       VARCHAR(16)  NOT NULL,
  holder       VARCHAR(64)  NOT NULL,
  started_at   DATETIME(6)  NOT NULL,
  heartbeat_at DATETIME(6)  NOT NULL,
  finished_at  DATETIME(6)  NULL,
  summary      TEXT         NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE eod_run;
DROP TABLE loan_offset;
DROP TABLE loan_txn;
DROP TABLE loan_instalment;
DROP TABLE loan;
DROP TABLE loan_review;
DROP TABLE loan_application;
