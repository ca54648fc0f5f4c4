// Package cluster holds the multi-process tests: several `gjj serve`
// processes on loopback ports sharing one MariaDB database and one Redis
// namespace, checked for shared sessions, a shared gate limit, role changes
// enforced everywhere, day-end and interest jobs that run once, and no acknowledged
// request lost when an instance is killed. It has no non-test code.
package cluster
