-- +goose Up
-- Withdrawal applications (提取申请, internal/core/withdrawal). One row per
-- application; open_account_id holds the employee account while the
-- application is open (待审核、退回、支付中) and NULL afterwards, so its
-- unique key allows one open application per account. (person_id, idem_key)
-- is the Idempotency-Key of the submission; receipt is the first answer.
-- checks and fields are JSON (rule results, reason-specific information).
-- Money columns are fen; biz dates are business dates; times are UTC.
CREATE TABLE withdrawal_application (
  id                  BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id           BIGINT       NOT NULL,
  employee_account_id BIGINT       NOT NULL,
  account_no          VARCHAR(20)  NOT NULL,
  reason              VARCHAR(32)  NOT NULL,
  reason_name         VARCHAR(64)  NOT NULL,
  tqyy                CHAR(2)      NOT NULL,
  item                VARCHAR(8)   NOT NULL,
  wtype               VARCHAR(8)   NOT NULL,
  amount_fen          BIGINT       NOT NULL,
  interest_fen        BIGINT       NOT NULL DEFAULT 0,
  bank_card           VARCHAR(32)  NOT NULL,
  payee_name          VARCHAR(64)  NOT NULL,
  contract_no         VARCHAR(64)  NOT NULL DEFAULT '',
  fields              TEXT         NOT NULL,
  checks              TEXT         NOT NULL,
  materials           TEXT         NOT NULL,
  status              VARCHAR(16)  NOT NULL,
  review_level        INT          NOT NULL,
  channel             VARCHAR(16)  NOT NULL,
  idem_key            VARCHAR(64)  NOT NULL,
  request_hash        CHAR(64)     NOT NULL,
  receipt             TEXT         NOT NULL,
  open_account_id     BIGINT       NULL,
  rules_from          DATE         NOT NULL,
  submitted_on        DATE         NOT NULL,
  deadline_on         DATE         NOT NULL,
  submitted_at        DATETIME(6)  NOT NULL,
  decided_at          DATETIME(6)  NULL,
  first_reviewer      VARCHAR(64)  NOT NULL DEFAULT '',
  first_comment       VARCHAR(200) NOT NULL DEFAULT '',
  first_at            DATETIME(6)  NULL,
  final_reviewer      VARCHAR(64)  NOT NULL DEFAULT '',
  final_comment       VARCHAR(200) NOT NULL DEFAULT '',
  final_at            DATETIME(6)  NULL,
  decision_comment    VARCHAR(200) NOT NULL DEFAULT '',
  closed_from_status  CHAR(2)      NOT NULL DEFAULT '',
  entry_serial        VARCHAR(64)  NOT NULL DEFAULT '',
  pay_serial          VARCHAR(64)  NOT NULL DEFAULT '',
  pay_sent_at         DATETIME(6)  NULL,
  bank_serial         VARCHAR(64)  NOT NULL DEFAULT '',
  pay_error           VARCHAR(200) NOT NULL DEFAULT '',
  paid_on             DATE         NULL,
  paid_at             DATETIME(6)  NULL,
  updated_at          DATETIME(6)  NOT NULL,
  UNIQUE KEY withdrawal_idem (person_id, idem_key),
  UNIQUE KEY withdrawal_open (open_account_id),
  KEY withdrawal_account (employee_account_id, reason, status),
  KEY withdrawal_contract (contract_no),
  KEY withdrawal_queue (status, deadline_on),
  KEY withdrawal_pay (pay_serial),
  CONSTRAINT withdrawal_person_fk FOREIGN KEY (person_id) REFERENCES person (id),
  CONSTRAINT withdrawal_account_fk FOREIGN KEY (employee_account_id) REFERENCES employee_account (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The progress of each application (提取进度): one row per step.
CREATE TABLE withdrawal_event (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  application_id BIGINT       NOT NULL,
  at             DATETIME(6)  NOT NULL,
  actor          VARCHAR(64)  NOT NULL,
  channel        VARCHAR(16)  NOT NULL,
  action         VARCHAR(32)  NOT NULL,
  status         VARCHAR(16)  NOT NULL,
  comment        VARCHAR(200) NOT NULL DEFAULT '',
  KEY withdrawal_event_app (application_id, id),
  CONSTRAINT withdrawal_event_app_fk FOREIGN KEY (application_id) REFERENCES withdrawal_application (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE withdrawal_event;
DROP TABLE withdrawal_application;
