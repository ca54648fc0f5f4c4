#!/usr/bin/env bash
# Restores a dump written by backup.sh into the database GJJ_DATABASE names.
#
#   GJJ_DATABASE='mysql:gjj:…@tcp(db:3306)/gjj_restore?parseTime=true&loc=UTC' deploy/backup/restore.sh FILE.sql.gz [--force]
#
# Checks FILE against FILE.sha256 when that file exists (refuses on a
# mismatch), refuses a database that already holds tables unless --force
# (then the dump's DROP TABLE statements replace them), loads the dump, and
# then tells you to run `gjj ledger verify` and `gjj audit verify` on it.
# Stop every gjj instance that writes to the target database first.
# Needs mariadb (or mysql), gzip, sha256sum. The database must exist.
# Exit status: 0 restored; 1 refused or failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

file=${1:-}
force=${2:-}
[ -n "$file" ] || die "usage: restore.sh FILE.sql.gz [--force]"
[ -f "$file" ] || die "$file: no such file"
[ -z "$force" ] || [ "$force" = --force ] || die "unknown option $force"
if [ -f "$file.sha256" ]; then
  want=$(awk '{print $1}' "$file.sha256")
  have=$(sha256sum "$file" | awk '{print $1}')
  [ "$want" = "$have" ] || die "$file does not match $file.sha256 (damaged or changed)"
else
  echo "$(basename "$0"): no $file.sha256, restoring without a checksum" >&2
fi
gzip -t "$file" || die "$file is not a complete gzip file"

parse_database
mysql=$(client mariadb mysql)
tables=$("$mysql" --defaults-extra-file="$OPTFILE" -N -B -e \
  "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$DB_NAME'")
if [ "$tables" != 0 ] && [ "$force" != --force ]; then
  die "database $DB_NAME already has $tables tables; restore into an empty database or give --force"
fi
gzip -dc "$file" | "$mysql" --defaults-extra-file="$OPTFILE" --binary-mode "$DB_NAME"
echo "restored $file into $DB_NAME; now run: gjj ledger verify && gjj audit verify (with the same GJJ_DATABASE)"
