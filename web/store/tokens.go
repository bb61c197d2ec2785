package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The roles a token can carry.
const (
	RoleAdmin      = "admin"
	RoleSupervisor = "supervisor"
	RoleViewer     = "viewer"
	RoleAgent      = "agent"
	RoleCustomer   = "customer"
)

var roles = []string{RoleAdmin, RoleSupervisor, RoleViewer, RoleAgent, RoleCustomer}

// TokenPrefix starts every token, so a leaked one is easy to recognise
// (secret scanners, logs).
const TokenPrefix = "dd_"

// tokenBytes is the randomness of a token: 256 bits.
const tokenBytes = 32

// tokenLen is the length of a plain token: the prefix and 32 bytes in
// unpadded base64url.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// Token is an API token as stored. The plain token is never stored, only its
// SHA-256.
type Token struct {
	ID   int64
	Name string
	// Role is one of the Role constants.
	Role string
	// Created is when the token was made, in UTC.
	Created time.Time
}

// CreateToken makes a token with role (one of the Role constants) and a
// name for people to recognise it by. It returns the plain token, which is
// "dd_" and 32 random bytes from crypto/rand in unpadded base64url: show it
// once, it cannot be read back. It commits before it returns.
func (s *Store) CreateToken(ctx context.Context, role, name string) (plain string, t Token, err error) {
	if !slices.Contains(roles, role) {
		return "", Token{}, fmt.Errorf("create token: role %q: want one of %v", role, roles)
	}
	if err := s.rlock(); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	defer s.mu.RUnlock()
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	plain = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(plain))
	t = Token{Name: name, Role: role, Created: time.Now().UTC().Round(0)}
	res, err := s.db.ExecContext(ctx, `INSERT INTO tokens (name, role, hash, created) VALUES (?, ?, ?, ?)`,
		name, role, h[:], t.Created.UnixNano())
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	return plain, t, nil
}

// Authenticate returns the token whose plain form is plain, or an error
// wrapping ErrBadToken if it is malformed, unknown or revoked.
//
// The lookup is by SHA-256 hash, with an index; the index's timing can
// reveal at most how much of a guess's hash matches a stored hash, which
// does not help to find a token (that would take a SHA-256 preimage). The
// found hash is compared again in constant time.
func (s *Store) Authenticate(ctx context.Context, plain string) (Token, error) {
	if len(plain) != tokenLen || !strings.HasPrefix(plain, TokenPrefix) {
		return Token{}, fmt.Errorf("authenticate: %w", ErrBadToken)
	}
	if err := s.rlock(); err != nil {
		return Token{}, fmt.Errorf("authenticate: %w", err)
	}
	defer s.mu.RUnlock()
	h := sha256.Sum256([]byte(plain))
	var (
		t       Token
		stored  []byte
		created int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, name, role, created, hash FROM tokens
		WHERE hash = ? AND revoked IS NULL`, h[:]).Scan(&t.ID, &t.Name, &t.Role, &created, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, fmt.Errorf("authenticate: %w", ErrBadToken)
	}
	if err != nil {
		return Token{}, fmt.Errorf("authenticate: %w", err)
	}
	if subtle.ConstantTimeCompare(stored, h[:]) != 1 {
		return Token{}, fmt.Errorf("authenticate: %w", ErrBadToken)
	}
	t.Created = time.Unix(0, created).UTC()
	return t, nil
}

// Tokens returns the tokens not revoked, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer s.mu.RUnlock()
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, role, created FROM tokens
		WHERE revoked IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var (
			t       Token
			created int64
		)
		if err := rows.Scan(&t.ID, &t.Name, &t.Role, &created); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.Created = time.Unix(0, created).UTC()
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes token id: Authenticate refuses it from then on. The
// row is kept, marked with the time, for the record. It returns an error
// wrapping ErrNotFound if there is no such token or it is already revoked.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	if err := s.rlock(); err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	defer s.mu.RUnlock()
	res, err := s.db.ExecContext(ctx, `UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL`,
		time.Now().UnixNano(), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("revoke token %d: %w", id, ErrNotFound)
	}
	return nil
}
