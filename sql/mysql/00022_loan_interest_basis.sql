-- +goose Up
-- loan.interest_basis (internal/core/loan): the interest basis in force
-- (policy loan.interest_basis) on the loan's contract date, recorded so a
-- later change of the parameter leaves existing loans' basis alone; the loan
-- core uses it whenever it builds or re-amortises the loan's plan.
-- monthly = round(B × r), r = annual / 12; actual_360 = round(B × annual /
-- 360 × days between due dates). Loans made before it are monthly.
ALTER TABLE loan ADD COLUMN interest_basis VARCHAR(16) NOT NULL DEFAULT 'monthly';

-- +goose Down
ALTER TABLE loan DROP COLUMN interest_basis;
