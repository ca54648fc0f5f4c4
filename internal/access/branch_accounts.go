package access

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gjj/internal/platform/db"
)

// CheckAccount returns ErrOtherBranch unless the scope covers the unit of
// employee account accountNo. An unknown account belongs to no branch: only
// center staff pass (the core answers not found to them later). Anyone may
// call it. Errors: ErrOtherBranch, store errors.
func (s Scope) CheckAccount(ctx context.Context, q db.Querier, accountNo string) error {
	if s.Center {
		return nil
	}
	b, err := AccountBranch(ctx, q, accountNo)
	if err != nil {
		return err
	}
	if !s.Sees(b) {
		return ErrOtherBranch.With("account_no", accountNo)
	}
	return nil
}

// AccountBranches returns the branch of the unit of each employee account in
// accountNos (accounts of the center's own units, and unknown ones, map to
// ""). Anyone may call it. Errors: store errors.
func AccountBranches(ctx context.Context, q db.Querier, accountNos []string) (map[string]string, error) {
	out := make(map[string]string, len(accountNos))
	uniq := slices.Compact(slices.Sorted(slices.Values(accountNos)))
	const chunk = 500 // bound the IN list
	for len(uniq) > 0 {
		part := uniq[:min(chunk, len(uniq))]
		uniq = uniq[len(part):]
		args := make([]any, len(part))
		for i, no := range part {
			args[i] = no
		}
		var rows []struct {
			AccountNo string `db:"account_no"`
			Branch    string `db:"branch"`
		}
		if err := q.SelectContext(ctx, &rows, `SELECT e.account_no, u.branch FROM employee_account e JOIN unit u ON u.id = e.unit_id
			WHERE e.account_no IN (?`+strings.Repeat(", ?", len(part)-1)+`)`, args...); err != nil {
			return nil, fmt.Errorf("account branches: %w", err)
		}
		for _, r := range rows {
			out[r.AccountNo] = r.Branch
		}
	}
	return out, nil
}

// FilterByAccount keeps the rows whose employee account (account(row))
// belongs to a unit the scope covers, in their order; center scopes keep
// every row. Staff queues (withdrawals, loans) call it for branch staff.
// Errors: store errors.
func FilterByAccount[T any](ctx context.Context, q db.Querier, s Scope, rows []T, account func(*T) string) ([]T, error) {
	if s.Center {
		return rows, nil
	}
	nos := make([]string, len(rows))
	for i := range rows {
		nos[i] = account(&rows[i])
	}
	branches, err := AccountBranches(ctx, q, nos)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(rows))
	for i := range rows {
		if s.Sees(branches[account(&rows[i])]) {
			out = append(out, rows[i])
		}
	}
	return out, nil
}
