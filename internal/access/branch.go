package access

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gjj/internal/audit"
	"gjj/internal/platform/db"
	"gjj/internal/platform/errs"
)

// BranchPrefix starts the casbin domain of a branch (服务网点): "branch:GL01".
const BranchPrefix = "branch:"

// Errors of branch scoping.
var (
	// ErrOtherBranch answers a branch-scoped staff member who asks for a
	// unit or person of another branch.
	ErrOtherBranch = errs.New(errs.Forbidden, "access.other_branch", "该单位或职工不属于您所在的服务网点，无权查看或办理")
	ErrBadBranch   = errs.New(errs.Invalid, "access.bad_branch", "网点代码应为 1 至 32 位字母、数字、下划线或连字符")
)

var branchCode = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Scope is where a staff member may see and act: the whole center, or only
// the units (and their employees) of some branches.
type Scope struct {
	Center   bool
	Branches []string // branch codes ("GL01"), when not Center
}

// Scope returns subject's scope: the center when they hold any role in the
// center domain, else the branches of their branch-domain grants (none:
// an empty scope that sees nothing). Anyone may call it.
func (en *Enforcer) Scope(subject string) Scope {
	if len(en.e.GetRolesForUserInDomain(subject, Center)) > 0 {
		return Scope{Center: true}
	}
	var s Scope
	rules, _ := en.e.GetFilteredGroupingPolicy(0, subject)
	for _, r := range rules {
		if len(r) >= 3 && strings.HasPrefix(r[2], BranchPrefix) {
			if b := strings.TrimPrefix(r[2], BranchPrefix); !slices.Contains(s.Branches, b) {
				s.Branches = append(s.Branches, b)
			}
		}
	}
	slices.Sort(s.Branches)
	return s
}

// Domain is the casbin domain to check the staff member's permissions in:
// the center's, or their first branch's.
func (s Scope) Domain() string {
	if s.Center || len(s.Branches) == 0 {
		return Center
	}
	return BranchPrefix + s.Branches[0]
}

// Sees reports whether the scope covers a unit of branch ("" is the
// center's own units, seen only by center staff).
func (s Scope) Sees(branch string) bool {
	return s.Center || (branch != "" && slices.Contains(s.Branches, branch))
}

// CheckUnit returns ErrOtherBranch unless the scope covers unit unitNo.
// Errors: ErrOtherBranch, store errors.
func (s Scope) CheckUnit(ctx context.Context, q db.Querier, unitNo string) error {
	if s.Center {
		return nil
	}
	b, err := UnitBranch(ctx, q, unitNo)
	if err != nil {
		return err
	}
	if !s.Sees(b) {
		return ErrOtherBranch.With("unit_no", unitNo)
	}
	return nil
}

// UnitBranch is the branch of unit unitNo ("" when the center's own or
// when there is no such unit).
func UnitBranch(ctx context.Context, q db.Querier, unitNo string) (string, error) {
	var b []string
	if err := q.SelectContext(ctx, &b, `SELECT branch FROM unit WHERE unit_no = ?`, unitNo); err != nil {
		return "", fmt.Errorf("unit branch: %w", err)
	}
	if len(b) == 0 {
		return "", nil
	}
	return b[0], nil
}

// UnitBranches returns the branch of each unit id in ids (the center's own
// units map to "").
func UnitBranches(ctx context.Context, q db.Querier, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var rows []struct {
		ID     int64  `db:"id"`
		Branch string `db:"branch"`
	}
	if err := q.SelectContext(ctx, &rows, `SELECT id, branch FROM unit WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...); err != nil {
		return nil, fmt.Errorf("unit branches: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Branch
	}
	return out, nil
}

// AccountBranch is the branch of the unit of employee account accountNo ("").
func AccountBranch(ctx context.Context, q db.Querier, accountNo string) (string, error) {
	var b []string
	if err := q.SelectContext(ctx, &b, `SELECT u.branch FROM employee_account e JOIN unit u ON u.id = e.unit_id
		WHERE e.account_no = ?`, accountNo); err != nil {
		return "", fmt.Errorf("account branch: %w", err)
	}
	if len(b) == 0 {
		return "", nil
	}
	return b[0], nil
}

// AssignUnitBranch puts unit unitNo under branch ("" back to the center),
// audited as access.unit_branch. Only the wiring (demo data) and tests call
// it; a console for it would be a change request.
// Errors: ErrBadBranch, store errors.
func AssignUnitBranch(ctx context.Context, d *db.DB, a *audit.Log, unitNo, branch string) error {
	if branch != "" && !branchCode.MatchString(branch) {
		return ErrBadBranch.With("field", "branch")
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		before, err := UnitBranch(ctx, tx, unitNo)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE unit SET branch = ? WHERE unit_no = ?`, branch, unitNo); err != nil {
			return fmt.Errorf("assign unit branch: %w", err)
		}
		_, err = a.Append(ctx, tx, audit.Record{Action: "access.unit_branch", Object: "unit:" + unitNo,
			Before: audit.Summary(map[string]string{"branch": before}), After: audit.Summary(map[string]string{"branch": branch})})
		return err
	})
}
