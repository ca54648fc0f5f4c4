// Package faults holds the fault tests of issue 8 item 4: Redis stopped and
// returned under a running platform, MariaDB restarted while money requests
// are being posted, and `kill -9` of an interest settlement. Each test starts
// its own throw-away redis-server or mariadbd on a free port (never the
// shared ones) and skips when those binaries are missing, unless
// GJJ_TEST_REQUIRE names the suite. It has no non-test code.
package faults
