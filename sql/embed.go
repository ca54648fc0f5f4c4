// Package migrations embeds the goose migrations: one set per dialect under
// sql/mysql and sql/sqlite, with the same version numbers. The folder is named
// sql by the repository layout; the package is named for what it holds.
package migrations

import "embed"

// FS holds mysql/*.sql and sqlite/*.sql.
//
//go:embed mysql/*.sql sqlite/*.sql
var FS embed.FS
