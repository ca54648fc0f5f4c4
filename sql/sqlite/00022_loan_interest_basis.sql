-- +goose Up
-- loan.interest_basis (internal/core/loan); see the MySQL file for its meaning.
ALTER TABLE loan ADD COLUMN interest_basis TEXT NOT NULL DEFAULT 'monthly';

-- +goose Down
ALTER TABLE loan DROP COLUMN interest_basis;
