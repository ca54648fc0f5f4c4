package appapi

import "gjj/internal/core/deposit"

// ParseStatementQuery exposes the statement parameter parser to the fuzz test.
func ParseStatementQuery(from, to, limit, before string) (deposit.StatementQuery, error) {
	return parseStatementQuery(statementParams{From: from, To: to, Limit: limit, Before: before})
}
