package deposit

import (
	"context"

	"gjj/internal/audit"
)

// UnitLog returns a page of the unit's operation log (单位操作日志) from the
// audit trail, newest first: records about the unit itself (bills, payments,
// ratios, imports), its deferral applications, its current employees'
// accounts and its agents (their logins), whoever acted.
// beforeSeq > 0 pages back. Called by the unit hall for the unit's own agent.
func (s *Service) UnitLog(ctx context.Context, unitNo string, beforeSeq int64, limit int) ([]audit.Entry, error) {
	u, err := unitByNo(ctx, s.db, unitNo)
	if err != nil {
		return nil, err
	}
	return s.audit.List(ctx, audit.Filter{
		ObjectsFrom: `SELECT ? UNION ALL SELECT CONCAT('employee:', account_no) FROM employee_account WHERE unit_id = ?
			UNION ALL SELECT CONCAT('person:', person_id) FROM unit_agent WHERE unit_id = ?
			UNION ALL SELECT CONCAT('deferral:', id) FROM deferral WHERE unit_id = ?`,
		ObjectsArgs: []any{"unit:" + u.UnitNo, u.ID, u.ID, u.ID},
		BeforeSeq:   beforeSeq, Limit: limit,
	})
}
