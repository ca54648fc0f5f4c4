-- +goose Up
CREATE TABLE person (
  id          BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id_type     CHAR(2)     NOT NULL,
  id_number   VARCHAR(32) NOT NULL,
  name        VARCHAR(64) NOT NULL,
  mobile      VARCHAR(20) NOT NULL DEFAULT '',
  created_at  DATETIME(6) NOT NULL,
  UNIQUE KEY person_id_number (id_type, id_number)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE staff_user (
  id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username     VARCHAR(64) NOT NULL,
  display_name VARCHAR(64) NOT NULL,
  branch       VARCHAR(32) NOT NULL,
  status       VARCHAR(16) NOT NULL,
  created_at   DATETIME(6) NOT NULL,
  UNIQUE KEY staff_user_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE credential (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subject_type   VARCHAR(8)   NOT NULL,
  subject_id     BIGINT       NOT NULL,
  password_hash  VARCHAR(200) NOT NULL,
  totp_secret    VARCHAR(64)  NOT NULL DEFAULT '',
  failed_logins  INT          NOT NULL DEFAULT 0,
  locked_until   DATETIME(6)  NULL,
  created_at     DATETIME(6)  NOT NULL,
  updated_at     DATETIME(6)  NOT NULL,
  UNIQUE KEY credential_subject (subject_type, subject_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE unit (
  id                 BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  unit_no            VARCHAR(20)  NOT NULL,
  uscc               CHAR(18)     NOT NULL,
  name               VARCHAR(100) NOT NULL,
  address            VARCHAR(200) NOT NULL DEFAULT '',
  legal_rep          VARCHAR(64)  NOT NULL DEFAULT '',
  payday             INT          NOT NULL DEFAULT 10,
  bank_code          CHAR(3)      NOT NULL DEFAULT '102',
  status             CHAR(2)      NOT NULL,
  ratio_unit_bps     INT          NOT NULL,
  ratio_person_bps   INT          NOT NULL,
  first_month        CHAR(7)      NOT NULL DEFAULT '',
  paid_through       CHAR(7)      NOT NULL DEFAULT '',
  suspense_ledger_id BIGINT       NULL,
  opened_on          DATE         NULL,
  closed_on          DATE         NULL,
  close_reason       VARCHAR(100) NOT NULL DEFAULT '',
  created_at         DATETIME(6)  NOT NULL,
  updated_at         DATETIME(6)  NULL,
  UNIQUE KEY unit_no (unit_no),
  UNIQUE KEY unit_uscc (uscc)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE unit_agent (
  unit_id     BIGINT      NOT NULL,
  person_id   BIGINT      NOT NULL,
  created_at  DATETIME(6) NOT NULL,
  PRIMARY KEY (unit_id, person_id),
  CONSTRAINT unit_agent_unit_fk FOREIGN KEY (unit_id) REFERENCES unit (id),
  CONSTRAINT unit_agent_person_fk FOREIGN KEY (person_id) REFERENCES person (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE employee_account (
  id                BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_no        VARCHAR(20) NOT NULL,
  person_id         BIGINT      NOT NULL,
  unit_id           BIGINT      NOT NULL,
  status            CHAR(2)     NOT NULL,
  prev_status       CHAR(2)     NOT NULL DEFAULT '',
  base_fen          BIGINT      NOT NULL,
  reserved_mobile   VARCHAR(20) NOT NULL,
  bank_card         VARCHAR(32) NOT NULL DEFAULT '',
  start_month       CHAR(7)     NOT NULL DEFAULT '',
  paid_through      CHAR(7)     NOT NULL DEFAULT '',
  carry_fen         BIGINT      NOT NULL DEFAULT 0,
  status_reason     VARCHAR(200) NOT NULL DEFAULT '',
  status_on         DATE        NULL,
  opened_on         DATE        NOT NULL,
  closed_on         DATE        NULL,
  ledger_account_id BIGINT      NOT NULL,
  created_at        DATETIME(6) NOT NULL,
  updated_at        DATETIME(6) NULL,
  UNIQUE KEY employee_account_no (account_no),
  UNIQUE KEY employee_account_person (person_id),
  UNIQUE KEY employee_account_ledger (ledger_account_id),
  KEY employee_account_unit (unit_id),
  CONSTRAINT employee_account_person_fk FOREIGN KEY (person_id) REFERENCES person (id),
  CONSTRAINT employee_account_unit_fk FOREIGN KEY (unit_id) REFERENCES unit (id),
  CONSTRAINT employee_account_ledger_fk FOREIGN KEY (ledger_account_id) REFERENCES ledger_account (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE employee_account;
DROP TABLE unit_agent;
DROP TABLE unit;
DROP TABLE credential;
DROP TABLE staff_user;
DROP TABLE person;
