// Package scaleout holds the scale-out test: the real binary as two API
// processes and two workers on PostgreSQL and Redis against a standalone
// emulator, through a worker's SIGKILL and a Redis restart (make
// test-scaleout; see scaleout_test.go).
package scaleout
