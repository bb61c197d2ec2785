package store_test

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
)

// fileSum is the SHA-256 of the file at path: equal sums, byte-identical
// files.
func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// sqliteFile makes a SQLite file (rollback journal, as most applications
// leave theirs) by running stmts.
func sqliteFile(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// recordedFile makes a deskdrill database with a run of n events, closed
// cleanly (so the WAL is checkpointed into the file and removed).
func recordedFile(t *testing.T, path string, n int) {
	t.Helper()
	ctx := t.Context()
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := newRun(t, s)
	if err := s.StartConversation(ctx, run, sampleConversation("c1", t0)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		e := sim.Event{At: t0.Add(time.Duration(i) * time.Second), Sender: sim.SenderCustomer, Kind: sim.EventMessage,
			Text: "event " + strconv.Itoa(i) + " with some words to fill the pages of the file"}
		if err := s.AppendEvent(ctx, run, "c1", i, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the WAL is still there after Close (%v): the file alone is not the database", err)
	}
}

// Open refuses a file that is not deskdrill's, and leaves it byte for byte
// as it was.
func TestOpen_RefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		make func(path string)
	}{
		{"text file", func(p string) {
			if err := os.WriteFile(p, []byte("name,price\ncoat,399\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"another application's tables", func(p string) {
			sqliteFile(t, p, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`, `INSERT INTO notes (body) VALUES ('keep me')`)
		}},
		{"another application's id", func(p string) {
			sqliteFile(t, p, `PRAGMA application_id = 1196444237`, `CREATE TABLE t (x)`)
		}},
		{"another application's id and no tables", func(p string) {
			sqliteFile(t, p, `PRAGMA application_id = 1196444237`)
		}},
		{"deskdrill's tables and more", func(p string) {
			recordedFile(t, p, 1)
			sqliteFile(t, p, `PRAGMA journal_mode = DELETE`, `PRAGMA application_id = 0`, `CREATE TABLE other (x)`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".db")
			tc.make(path)
			before := fileSum(t, path)
			s, err := store.Open(t.Context(), path, store.Options{Check: store.CheckQuick})
			if err == nil {
				s.Close()
				t.Fatalf("Open of %s = nil error; want ErrForeign", tc.name)
			}
			var fe *store.FileError
			if !errors.Is(err, store.ErrForeign) || !errors.As(err, &fe) || fe.Path != path {
				t.Errorf("Open of %s: %v; want a *FileError wrapping ErrForeign", tc.name, err)
			}
			t.Logf("%v", err)
			if fileSum(t, path) != before {
				t.Errorf("Open of %s changed the file", tc.name)
			}
		})
	}
}

// Open marks a new file, an empty file and an empty SQLite database as
// deskdrill's.
func TestOpen_MarksNewFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		make func(path string)
	}{
		{"no file", func(string) {}},
		{"empty file", func(p string) {
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty database", func(p string) { sqliteFile(t, p, `VACUUM`) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".db")
			tc.make(path)
			s, err := store.Open(t.Context(), path, store.Options{Check: store.CheckQuick})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			s.Close()
			if id := count(t, rawDB(t, path), "PRAGMA application_id"); id != store.ApplicationID {
				t.Errorf("application_id = %#x; want %#x", id, store.ApplicationID)
			}
		})
	}
}

// Open refuses a database with a damaged page in the middle, found by
// quick_check, and leaves the file as it was.
func TestOpen_RefusesDamagedFile(t *testing.T) {
	for _, check := range []store.Check{store.CheckQuick, store.CheckFull} {
		path := filepath.Join(t.TempDir(), "damaged.db")
		recordedFile(t, path, 3000)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		const page = 4096
		pages := len(b) / page
		if pages < 20 {
			t.Fatalf("%d pages; want a file large enough to have a middle", pages)
		}
		// Two pages in the middle, overwritten as a bad sector or a stray
		// write would.
		mid := pages / 2 * page
		copy(b[mid:mid+2*page], bytes.Repeat([]byte{0xa5}, 2*page))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		before := fileSum(t, path)
		s, err := store.Open(t.Context(), path, store.Options{Check: check})
		if err == nil {
			s.Close()
			t.Fatalf("Open (check %d) of a file with two damaged pages = nil error; want ErrDamaged", check)
		}
		if !errors.Is(err, store.ErrDamaged) {
			t.Errorf("Open (check %d): %v; want ErrDamaged", check, err)
		}
		t.Logf("check %d: %v", check, err)
		if fileSum(t, path) != before {
			t.Errorf("Open (check %d) changed the damaged file", check)
		}
	}
}

// A second Exclusive Open of a file is refused until the first closes;
// Opens that are not exclusive (report, export) go on beside it.
func TestOpen_Exclusive(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "x.db")
	first, err := store.Open(ctx, path, store.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	second, err := store.Open(ctx, path, store.Options{Exclusive: true})
	if err == nil {
		second.Close()
		t.Fatal("a second Exclusive Open = nil error; want ErrLocked")
	}
	if !errors.Is(err, store.ErrLocked) {
		t.Errorf("second Exclusive Open: %v; want ErrLocked", err)
	}
	t.Logf("%v", err)
	reader, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatalf("Open beside an Exclusive one: %v", err)
	}
	if _, err := reader.Runs(ctx); err != nil {
		t.Errorf("Runs beside an Exclusive Open: %v", err)
	}
	reader.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file after Close: %v; want it removed", err)
	}
	again, err := store.Open(ctx, path, store.Options{Exclusive: true})
	if err != nil {
		t.Fatalf("Exclusive Open after the first closed: %v", err)
	}
	again.Close()
}
