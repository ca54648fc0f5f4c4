-- +goose Up
-- Deposit certificates (缴存证明, domain.md §1.12): one row per certificate
-- issued. content is the canonical JSON of what the PDF states (masked ID
-- number only) and content_hash its SHA-256 (hex); verify_code is the public
-- verification code printed on the certificate (GET /verify/<code>).
CREATE TABLE certificate (
  id                  BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  cert_no             VARCHAR(20)  NOT NULL,
  verify_code         CHAR(16)     NOT NULL,
  employee_account_id BIGINT       NOT NULL,
  account_no          VARCHAR(20)  NOT NULL,
  issued_on           DATE         NOT NULL,
  issued_at           DATETIME(6)  NOT NULL,
  issued_by           VARCHAR(64)  NOT NULL,
  content_hash        CHAR(64)     NOT NULL,
  content             TEXT         NOT NULL,
  revoked_at          DATETIME(6)  NULL,
  UNIQUE KEY certificate_no (cert_no),
  UNIQUE KEY certificate_verify_code (verify_code),
  KEY certificate_account (employee_account_id, issued_on),
  CONSTRAINT certificate_account_fk FOREIGN KEY (employee_account_id) REFERENCES employee_account (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE certificate;
