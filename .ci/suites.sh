#!/usr/bin/env bash
# Prints which test suites will run and which are skipped, and why.
# The tests themselves skip (or, with GJJ_TEST_REQUIRE=mysql,redis, fail) when a service is missing.
mysql_dsn=${GJJ_TEST_MYSQL:-root@tcp(127.0.0.1:3306)/}
redis_addr=${GJJ_TEST_REDIS:-127.0.0.1:6379}
hostport() { local s=${1#*tcp(}; s=${s%%)*}; echo "$s"; }
answers() { local hp=$1; (exec 3<>"/dev/tcp/${hp%:*}/${hp##*:}") 2>/dev/null; }
mhp=$(hostport "$mysql_dsn")
echo "test suites:"
echo "  SQLite + in-process: run"
if answers "$mhp"; then echo "  MariaDB ($mhp): run"
else echo "  MariaDB ($mhp): SKIPPED — nothing answers there (set GJJ_TEST_MYSQL to an admin DSN)"; fi
if answers "$redis_addr"; then echo "  Redis ($redis_addr): run"
else echo "  Redis ($redis_addr): SKIPPED — nothing answers there (set GJJ_TEST_REDIS)"; fi
[ -n "${GJJ_TEST_REQUIRE:-}" ] && echo "  required (fail instead of skip): $GJJ_TEST_REQUIRE"
exit 0
