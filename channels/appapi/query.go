package appapi

import (
	"strconv"

	"gjj/internal/core/deposit"
	"gjj/internal/platform/date"
	"gjj/internal/platform/errs"
)

// errQuery answers a query parameter that cannot be used; the field detail
// names it.
var errQuery = errs.New(errs.Invalid, "request.invalid_query", "查询参数不正确")

// Statement paging bounds.
const (
	defaultStatementLimit = 100
	maxStatementLimit     = 500
)

// statementParams are the raw query parameters of GET /statement.
type statementParams struct {
	From, To, Limit, Before string
}

// parseStatementQuery checks the statement parameters: from and to are
// optional YYYY-MM-DD calendar dates with from ≤ to; limit 1..500 (default
// 100); before an optional sequence number ≥ 1 (lines older than it). The
// error names the offending parameter in its field detail.
func parseStatementQuery(p statementParams) (deposit.StatementQuery, error) {
	var q deposit.StatementQuery
	var err error
	if q.From, err = optionalDate(p.From, "from"); err != nil {
		return q, err
	}
	if q.To, err = optionalDate(p.To, "to"); err != nil {
		return q, err
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return q, errs.New(errs.Invalid, "request.invalid_query", "起始日期不能晚于截止日期").With("field", "from")
	}
	q.Limit = defaultStatementLimit
	if p.Limit != "" {
		n, err := strconv.Atoi(p.Limit)
		if err != nil || n < 1 || n > maxStatementLimit {
			return q, errQuery.With("field", "limit")
		}
		q.Limit = n
	}
	if p.Before != "" {
		n, err := strconv.ParseInt(p.Before, 10, 64)
		if err != nil || n < 1 {
			return q, errQuery.With("field", "before")
		}
		q.BeforeSeq = n
	}
	return q, nil
}

func optionalDate(s, field string) (date.Date, error) {
	if s == "" {
		return date.Date{}, nil
	}
	d, err := date.Parse(s)
	if err != nil {
		return date.Date{}, errs.New(errs.Invalid, "request.invalid_query", "日期应为 YYYY-MM-DD 格式的有效日期").With("field", field)
	}
	return d, nil
}

// noticeLimit reads the optional limit of GET /notices (1..100, default 20).
func noticeLimit(s string, max int) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		return 0, errQuery.With("field", "limit")
	}
	return n, nil
}
