#!/usr/bin/env bash
# Logical backup of the gjj database: one consistent snapshot of every table
# (InnoDB, --single-transaction: no locks held, writes continue), gzip-
# compressed, with a SHA-256 file next to it.
#
#   GJJ_DATABASE='mysql:gjj:…@tcp(db:3306)/gjj?parseTime=true&loc=UTC' deploy/backup/backup.sh [DIR]
#
# Writes DIR/gjj-<database>-<UTC time>.sql.gz and .sql.gz.sha256 (DIR
# default: current directory) and prints the dump's path. The dump holds no
# CREATE DATABASE/USE, so restore.sh can load it into any database.
# Needs mariadb-dump (or mysqldump), gzip, sha256sum. The user needs SELECT,
# SHOW VIEW, TRIGGER and LOCK TABLES on the database.
# Exit status: 0 written; 1 failure (no partial file is left).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

dir=${1:-.}
[ -d "$dir" ] || die "$dir is not a directory"
parse_database
dump=$(client mariadb-dump mysqldump)

out="$dir/gjj-$DB_NAME-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"
tmp="$out.partial"
trap 'rm -f "$OPTFILE" "$tmp"' EXIT
# --no-tablespaces: no PROCESS privilege needed; --hex-blob: binary columns
# survive any client character set; routines/triggers/events: none today,
# kept so the dump stays complete if some are added.
"$dump" --defaults-extra-file="$OPTFILE" --single-transaction --quick --routines --triggers --events \
  --hex-blob --no-tablespaces --default-character-set=utf8mb4 "$DB_NAME" | gzip -c > "$tmp"
# pipefail makes a failed dump fail here; a dump that completed ends with this line.
gzip -dc "$tmp" | tail -n 1 | grep -q -- '-- Dump completed' || die "the dump of $DB_NAME is incomplete"
mv "$tmp" "$out"
(cd "$(dirname "$out")" && sha256sum "$(basename "$out")" > "$(basename "$out").sha256")
echo "$out"
