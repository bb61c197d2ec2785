//go:build unix

package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"
)

// lockWait is how long lockFile retries a lock that is taken: a report
// probing the lock holds it for microseconds (see probeLock), and a serve
// starting then should not be refused for that.
const lockWait = time.Second

// fileLock is the exclusive lock a serving process holds on its database:
// flock(2) on PATH.lock. It is released when the process ends, however it
// ends, so a stale file left by kill -9 does not lock anyone out.
type fileLock struct{ f *os.File }

// lockFile takes the exclusive lock of the database at path, or returns a
// *FileError wrapping ErrLocked naming the holder.
func lockFile(path string) (*fileLock, error) {
	name := path + ".lock"
	deadline := time.Now().Add(lockWait)
	for {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder, _ := io.ReadAll(io.LimitReader(f, 200))
			f.Close()
			if time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond) // the holder may be a probe
				continue
			}
			detail := "another deskdrill serve holds " + name
			if h := strings.TrimSpace(string(holder)); h != "" {
				detail += " (" + h + ")"
			}
			return nil, &FileError{Path: path, Err: ErrLocked, Detail: detail}
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// The holder before us may have removed the file between our
		// open and our lock (unlock removes it): then we hold a lock on
		// a file nobody else will open. Lock the one at the path.
		held, err1 := f.Stat()
		now, err2 := os.Stat(name)
		if err1 != nil || err2 != nil || !os.SameFile(held, now) {
			f.Close()
			continue
		}
		// Who holds it, for the message of the next one refused.
		_ = f.Truncate(0)
		_, _ = fmt.Fprintf(f, "pid %d since %s\n", os.Getpid(), time.Now().Format(time.RFC3339))
		return &fileLock{f: f}, nil
	}
}

// unlock removes the lock file and releases the lock, in that order, so
// nobody locks a file that is about to go.
func (l *fileLock) unlock() error {
	if l == nil {
		return nil
	}
	err := os.Remove(l.f.Name())
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// probeLock reports whether a process holds the lock of the database at
// path (a serve is running on it). It takes a shared lock for a moment
// and creates nothing.
func probeLock(path string) bool {
	f, err := os.Open(path + ".lock")
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}
