-- +goose Up
CREATE TABLE ledger_account (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code            VARCHAR(40)  NOT NULL,
  name            VARCHAR(100) NOT NULL,
  type            VARCHAR(16)  NOT NULL,
  owner_type      VARCHAR(16)  NOT NULL,
  owner_id        VARCHAR(40)  NOT NULL,
  allow_overdraft TINYINT(1)   NOT NULL DEFAULT 0,
  balance_fen     BIGINT       NOT NULL DEFAULT 0,
  posting_count   BIGINT       NOT NULL DEFAULT 0,
  created_at      DATETIME(6)  NOT NULL,
  UNIQUE KEY ledger_account_code (code),
  KEY ledger_account_owner (owner_type, owner_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE journal_entry (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  serial      VARCHAR(64)  NOT NULL,
  biz_type    VARCHAR(8)   NOT NULL,
  biz_date    DATE         NOT NULL,
  memo        VARCHAR(200) NOT NULL,
  fingerprint CHAR(64)     NOT NULL,
  reverses_id BIGINT       NULL,
  channel     VARCHAR(16)  NOT NULL,
  actor       VARCHAR(64)  NOT NULL,
  created_at  DATETIME(6)  NOT NULL,
  UNIQUE KEY journal_entry_serial (serial),
  UNIQUE KEY journal_entry_reverses (reverses_id),
  KEY journal_entry_date (biz_date),
  CONSTRAINT journal_entry_reverses_fk FOREIGN KEY (reverses_id) REFERENCES journal_entry (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE posting (
  id                BIGINT     NOT NULL AUTO_INCREMENT PRIMARY KEY,
  entry_id          BIGINT     NOT NULL,
  line_no           INT        NOT NULL,
  account_id        BIGINT     NOT NULL,
  account_seq       BIGINT     NOT NULL,
  side              CHAR(1)    NOT NULL,
  amount_fen        BIGINT     NOT NULL,
  balance_after_fen BIGINT     NOT NULL,
  biz_date          DATE       NOT NULL,
  UNIQUE KEY posting_line (entry_id, line_no),
  UNIQUE KEY posting_account_seq (account_id, account_seq),
  CONSTRAINT posting_entry_fk FOREIGN KEY (entry_id) REFERENCES journal_entry (id),
  CONSTRAINT posting_account_fk FOREIGN KEY (account_id) REFERENCES ledger_account (id),
  CONSTRAINT posting_amount_positive CHECK (amount_fen > 0),
  CONSTRAINT posting_side CHECK (side IN ('D', 'C'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE posting;
DROP TABLE journal_entry;
DROP TABLE ledger_account;
