package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// ApplicationID is deskdrill's mark in the SQLite file header (PRAGMA
// application_id): "DsKd" in ASCII. Open sets it on a new or empty file
// and refuses a file that carries another.
const ApplicationID = 0x44734b64

// Check is how much of an existing file Open reads to make sure it is
// sound before it writes anything.
type Check int

const (
	// CheckNone skips the integrity check; the identity check (application
	// id, schema version, tables) always runs. For commands that only
	// read: a damaged page then fails the read that meets it.
	CheckNone Check = iota
	// CheckQuick runs PRAGMA quick_check: every page and record is read
	// and checked, but indexes are not compared with their tables. It
	// reads the whole file: about a second per few hundred MB.
	CheckQuick
	// CheckFull runs PRAGMA integrity_check, which also checks every
	// index against its table; several times slower.
	CheckFull
)

// ourTables are the tables the migrations create; sqlite_sequence is
// SQLite's own.
var ourTables = []string{"runs", "agents", "conversations", "events", "event_batches", "scores", "tokens", "interruptions"}

// v1Tables are the tables of schema version 1. A file with a schema
// version, no application id, all of these and no table of another is a
// deskdrill file from before the id was set.
var v1Tables = []string{"agents", "conversations", "events", "runs", "scores", "tokens"}

func ours(tables []string) bool {
	for _, t := range v1Tables {
		if !slices.Contains(tables, t) {
			return false
		}
	}
	for _, t := range tables {
		if !slices.Contains(ourTables, t) {
			return false
		}
	}
	return true
}

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// fileInfo is what inspect learned of a file.
type fileInfo struct {
	// fresh: no file, or an empty one: Open creates the schema.
	fresh bool
	// pageSize is the file's page size in bytes (0 for a fresh file:
	// SQLite's default).
	pageSize int64
}

// inspect checks the file at path before Open writes to it: that it is a
// SQLite database, that it is deskdrill's (or empty), that its schema is
// not newer than this program's, and, by check, that it is sound. It only
// reads: the file is left byte for byte as it was whatever the verdict
// (SQLite may create the -wal and -shm files of a WAL database beside
// it, empty, to read it).
func inspect(ctx context.Context, path string, check Check) (fileInfo, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fileInfo{fresh: true}, nil
	case err != nil:
		return fileInfo{}, err
	case fi.IsDir():
		return fileInfo{}, &FileError{Path: path, Err: ErrForeign, Detail: "it is a directory"}
	case fi.Size() == 0:
		if wal, err := os.Stat(path + "-wal"); err != nil || wal.Size() == 0 {
			return fileInfo{fresh: true}, nil
		}
		// An empty main file with a WAL: a database that was never
		// checkpointed. SQLite reads it below.
	default:
		f, err := os.Open(path)
		if err != nil {
			return fileInfo{}, err
		}
		head := make([]byte, len(sqliteMagic))
		_, err = io.ReadFull(f, head)
		f.Close()
		if err != nil || !bytes.Equal(head, sqliteMagic) {
			return fileInfo{}, &FileError{Path: path, Err: ErrForeign, Detail: "it is not a SQLite database"}
		}
	}

	// mode=ro: this connection cannot write, not even to roll back a hot
	// journal; file: URIs take SQLite's own parameters.
	db, err := sql.Open("sqlite", "file:"+uriEscaper.Replace(path)+"?mode=ro&_pragma=busy_timeout("+fmt.Sprint(busyTimeout.Milliseconds())+")")
	if err != nil {
		return fileInfo{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	damaged := func(what string, err error) error {
		return &FileError{Path: path, Err: ErrDamaged, Detail: what + ": " + err.Error()}
	}
	var appID, version int64
	var info fileInfo
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return fileInfo{}, damaged("read its header", err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fileInfo{}, damaged("read its header", err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&info.pageSize); err != nil {
		return fileInfo{}, damaged("read its header", err)
	}
	tables, err := tableNames(ctx, db)
	if err != nil {
		return fileInfo{}, damaged("read its schema", err)
	}
	switch {
	case appID == ApplicationID:
	case appID != 0:
		return fileInfo{}, &FileError{Path: path, Err: ErrForeign,
			Detail: fmt.Sprintf("its application id is %#08x, not deskdrill's %#08x", uint32(appID), ApplicationID)}
	case len(tables) == 0:
		// An empty database (no tables): Open adopts it.
		info.fresh = true
	case version >= 1 && ours(tables):
		// A deskdrill file from before application ids: Open sets it.
	default:
		var other []string
		for _, t := range tables {
			if !slices.Contains(ourTables, t) {
				other = append(other, t)
			}
		}
		if len(other) == 0 {
			other = tables
		}
		return fileInfo{}, &FileError{Path: path, Err: ErrForeign,
			Detail: fmt.Sprintf("it has no application id and holds tables deskdrill did not make (%s)", strings.Join(other, ", "))}
	}
	if version > SchemaVersion {
		return fileInfo{}, &FileError{Path: path, Err: ErrNewer,
			Detail: fmt.Sprintf("its schema version %d is newer than this program's %d", version, SchemaVersion)}
	}
	pragma := map[Check]string{CheckQuick: "quick_check", CheckFull: "integrity_check"}[check]
	if pragma == "" {
		return info, nil
	}
	problems, err := integrity(ctx, db, pragma)
	if err != nil {
		return fileInfo{}, damaged("PRAGMA "+pragma, err)
	}
	if len(problems) > 0 {
		more := ""
		if len(problems) > 3 {
			more = fmt.Sprintf(" (and %d more)", len(problems)-3)
			problems = problems[:3]
		}
		return fileInfo{}, &FileError{Path: path, Err: ErrDamaged,
			Detail: fmt.Sprintf("PRAGMA %s: %s%s", pragma, strings.Join(problems, "; "), more)}
	}
	return info, nil
}

// uriEscaper escapes what a file: URI would otherwise read as its query,
// fragment or an escape.
var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// tableNames returns the file's tables but SQLite's own, sorted.
func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// integrity runs PRAGMA quick_check or integrity_check and returns the
// problems it lists (none: the file is sound).
func integrity(ctx context.Context, db *sql.DB, pragma string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "PRAGMA "+pragma)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		if line != "ok" {
			out = append(out, line)
		}
	}
	return out, rows.Err()
}
