//go:build !unix

package store

// fileLock is a no-op where flock(2) is missing: Options.Exclusive does
// not keep a second server off the file there.
type fileLock struct{}

func lockFile(string) (*fileLock, error) { return &fileLock{}, nil }

func (*fileLock) unlock() error { return nil }

func probeLock(string) bool { return false }
