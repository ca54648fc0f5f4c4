-- +goose Up
CREATE TABLE unit_prereg (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  uscc             CHAR(18)     NOT NULL,
  name             VARCHAR(100) NOT NULL,
  address          VARCHAR(200) NOT NULL,
  legal_rep        VARCHAR(64)  NOT NULL,
  payday           INT          NOT NULL,
  bank_code        CHAR(3)      NOT NULL,
  ratio_unit_bps   INT          NOT NULL,
  ratio_person_bps INT          NOT NULL,
  agent_id_number  VARCHAR(32)  NOT NULL,
  agent_name       VARCHAR(64)  NOT NULL,
  agent_mobile     VARCHAR(20)  NOT NULL,
  status           VARCHAR(16)  NOT NULL,
  submitted_at     DATETIME(6)  NOT NULL,
  reviewed_by      VARCHAR(64)  NOT NULL DEFAULT '',
  reviewed_at      DATETIME(6)  NULL,
  review_comment   VARCHAR(200) NOT NULL DEFAULT '',
  unit_id          BIGINT       NULL,
  KEY unit_prereg_uscc (uscc),
  KEY unit_prereg_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE base_history (
  id                  BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  employee_account_id BIGINT      NOT NULL,
  effective_month     CHAR(7)     NOT NULL,
  base_fen            BIGINT      NOT NULL,
  source              VARCHAR(16) NOT NULL,
  created_by          VARCHAR(64) NOT NULL,
  created_at          DATETIME(6) NOT NULL,
  UNIQUE KEY base_history_month (employee_account_id, effective_month),
  CONSTRAINT base_history_account_fk FOREIGN KEY (employee_account_id) REFERENCES employee_account (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE ratio_history (
  id              BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  unit_id         BIGINT      NOT NULL,
  effective_month CHAR(7)     NOT NULL,
  unit_bps        INT         NOT NULL,
  person_bps      INT         NOT NULL,
  created_by      VARCHAR(64) NOT NULL,
  created_at      DATETIME(6) NOT NULL,
  UNIQUE KEY ratio_history_month (unit_id, effective_month),
  CONSTRAINT ratio_history_unit_fk FOREIGN KEY (unit_id) REFERENCES unit (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE remittance (
  id                BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  unit_id           BIGINT      NOT NULL,
  kind              CHAR(2)     NOT NULL,
  month             CHAR(7)     NOT NULL,
  batch             INT         NOT NULL,
  status            VARCHAR(16) NOT NULL,
  headcount         INT         NOT NULL,
  unit_part_fen     BIGINT      NOT NULL,
  personal_part_fen BIGINT      NOT NULL,
  total_fen         BIGINT      NOT NULL,
  rounding          VARCHAR(16) NOT NULL,
  generated_by      VARCHAR(64) NOT NULL,
  generated_at      DATETIME(6) NOT NULL,
  posted_at         DATETIME(6) NULL,
  bank_serial       VARCHAR(64) NULL,
  entry_serial      VARCHAR(64) NOT NULL DEFAULT '',
  UNIQUE KEY remittance_month (unit_id, kind, month, batch),
  UNIQUE KEY remittance_bank_serial (bank_serial),
  CONSTRAINT remittance_unit_fk FOREIGN KEY (unit_id) REFERENCES unit (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE remittance_line (
  id                  BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  remittance_id       BIGINT      NOT NULL,
  line_no             INT         NOT NULL,
  employee_account_id BIGINT      NOT NULL,
  account_no          VARCHAR(20) NOT NULL,
  month               CHAR(7)     NOT NULL,
  base_fen            BIGINT      NOT NULL,
  unit_bps            INT         NOT NULL,
  person_bps          INT         NOT NULL,
  unit_fen            BIGINT      NOT NULL,
  personal_fen        BIGINT      NOT NULL,
  UNIQUE KEY remittance_line_no (remittance_id, line_no),
  KEY remittance_line_account (employee_account_id, month),
  CONSTRAINT remittance_line_remittance_fk FOREIGN KEY (remittance_id) REFERENCES remittance (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE bank_receipt (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  bank_serial   VARCHAR(64)  NOT NULL,
  bank_code     CHAR(3)      NOT NULL,
  amount_fen    BIGINT       NOT NULL,
  payer_account VARCHAR(40)  NOT NULL,
  payer_name    VARCHAR(100) NOT NULL,
  memo          VARCHAR(200) NOT NULL,
  received_on   DATE         NOT NULL,
  status        VARCHAR(16)  NOT NULL,
  unit_id       BIGINT       NULL,
  remittance_id BIGINT       NULL,
  entry_serial  VARCHAR(64)  NOT NULL DEFAULT '',
  created_at    DATETIME(6)  NOT NULL,
  updated_at    DATETIME(6)  NULL,
  UNIQUE KEY bank_receipt_serial (bank_serial),
  KEY bank_receipt_unit (unit_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE deferral (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  unit_id        BIGINT       NOT NULL,
  start_month    CHAR(7)      NOT NULL,
  end_month      CHAR(7)      NOT NULL,
  reason         VARCHAR(200) NOT NULL,
  status         VARCHAR(16)  NOT NULL,
  applied_by     VARCHAR(64)  NOT NULL,
  applied_at     DATETIME(6)  NOT NULL,
  reviewed_by    VARCHAR(64)  NOT NULL DEFAULT '',
  reviewed_at    DATETIME(6)  NULL,
  review_comment VARCHAR(200) NOT NULL DEFAULT '',
  KEY deferral_unit (unit_id, status),
  CONSTRAINT deferral_unit_fk FOREIGN KEY (unit_id) REFERENCES unit (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE interest_run (
  id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  year         INT         NOT NULL,
  status       VARCHAR(16) NOT NULL,
  rate_ppm     BIGINT      NOT NULL,
  basis        VARCHAR(24) NOT NULL,
  total        BIGINT      NOT NULL DEFAULT 0,
  done         BIGINT      NOT NULL DEFAULT 0,
  interest_fen BIGINT      NOT NULL DEFAULT 0,
  cursor_id    BIGINT      NOT NULL DEFAULT 0,
  started_by   VARCHAR(64) NOT NULL,
  started_at   DATETIME(6) NOT NULL,
  finished_at  DATETIME(6) NULL,
  UNIQUE KEY interest_run_year (year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE interest_item (
  employee_account_id BIGINT      NOT NULL,
  year                INT         NOT NULL,
  period_from         DATE        NOT NULL,
  period_to           DATE        NOT NULL,
  jishu_fen_days      BIGINT      NOT NULL,
  interest_fen        BIGINT      NOT NULL,
  entry_serial        VARCHAR(64) NOT NULL,
  created_at          DATETIME(6) NOT NULL,
  PRIMARY KEY (employee_account_id, year),
  CONSTRAINT interest_item_account_fk FOREIGN KEY (employee_account_id) REFERENCES employee_account (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

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
