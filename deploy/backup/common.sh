# Shared by backup.sh and restore.sh (sourced, not run): reads the database
# from GJJ_DATABASE, the same setting gjj uses
# (mysql:<user>:<password>@tcp(<host>:<port>)/<database>?<params>), and
# writes a client option file so the password never appears in `ps`.

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

parse_database() {
  local dsn=${GJJ_DATABASE:-}
  [ -n "$dsn" ] || die "GJJ_DATABASE is not set (mysql:<user>:<password>@tcp(<host>:<port>)/<database>)"
  local re='^mysql:([^:@]+)(:(.*))?@tcp\(([^)]+)\)/([^?]+)'
  [[ $dsn =~ $re ]] || die "GJJ_DATABASE must be mysql:<user>:<password>@tcp(<host>:<port>)/<database>; sqlite databases are backed up by copying the file with the server stopped"
  DB_USER=${BASH_REMATCH[1]}
  DB_PASSWORD=${BASH_REMATCH[3]}
  local addr=${BASH_REMATCH[4]}
  DB_NAME=${BASH_REMATCH[5]}
  DB_HOST=${addr%:*}
  DB_PORT=3306
  [[ $addr == *:* ]] && DB_PORT=${addr##*:}
  [[ $DB_NAME =~ ^[A-Za-z0-9_]+$ ]] || die "database name $DB_NAME: only letters, digits and _"
  OPTFILE=$(mktemp)
  chmod 600 "$OPTFILE"
  trap 'rm -f "$OPTFILE"' EXIT
  # Option-file values may be quoted; a password with " or \ is escaped.
  local pw=${DB_PASSWORD//\\/\\\\}
  pw=${pw//\"/\\\"}
  printf '[client]\nuser="%s"\npassword="%s"\nhost="%s"\nport=%s\nprotocol=tcp\ndefault-character-set=utf8mb4\n' \
    "$DB_USER" "$pw" "$DB_HOST" "$DB_PORT" > "$OPTFILE"
}

# client NAME…: the first of the named programs on PATH (mariadb-dump on
# Debian, mysqldump in MySQL images).
client() {
  local p
  for p in "$@"; do command -v "$p" >/dev/null 2>&1 && { echo "$p"; return; }; done
  die "none of $* is installed (apt-get install mariadb-client)"
}
