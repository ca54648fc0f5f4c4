-- +goose Up
-- Deposit certificates (缴存证明, domain.md §1.12): one row per certificate
-- issued. content is the canonical JSON of what the PDF states (masked ID
-- number only) and content_hash its SHA-256 (hex); verify_code is the public
-- verification code printed on the certificate (GET /verify/<code>).
CREATE TABLE certificate (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  cert_no             TEXT NOT NULL UNIQUE,
  verify_code         TEXT NOT NULL UNIQUE,
  employee_account_id INTEGER NOT NULL,
  account_no          TEXT NOT NULL,
  issued_on           TEXT NOT NULL,
  issued_at           DATETIME NOT NULL,
  issued_by           TEXT NOT NULL,
  content_hash        TEXT NOT NULL,
  content             TEXT NOT NULL,
  revoked_at          DATETIME NULL,
  FOREIGN KEY (employee_account_id) REFERENCES employee_account (id)
);
CREATE INDEX certificate_account ON certificate (employee_account_id, issued_on);

-- +goose Down
DROP TABLE certificate;
