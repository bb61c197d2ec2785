//go:build unix

package store_test

import (
	"syscall"
	"time"
)

// processCPU returns the test process's CPU time so far (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
