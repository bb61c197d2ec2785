package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// AmbiguousTokenError is returned by FindToken for a name that more than
// one token carries: the caller must say which, by ID.
type AmbiguousTokenError struct {
	Name string
	IDs  []int64
}

func (e *AmbiguousTokenError) Error() string {
	ids := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return fmt.Sprintf("%d tokens are named %q (IDs %s): give the ID", len(e.IDs), e.Name, strings.Join(ids, ", "))
}

// FindToken returns the token, not revoked, that ref names: ref is a
// token's ID when it is a number and such a token exists, else a token's
// name. It returns an error wrapping ErrNotFound when none matches, and an
// *AmbiguousTokenError when several tokens have the name.
func (s *Store) FindToken(ctx context.Context, ref string) (Token, error) {
	ts, err := s.Tokens(ctx)
	if err != nil {
		return Token{}, fmt.Errorf("find token %q: %w", ref, err)
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		for _, t := range ts {
			if t.ID == id {
				return t, nil
			}
		}
	}
	var named []Token
	for _, t := range ts {
		if t.Name == ref {
			named = append(named, t)
		}
	}
	switch len(named) {
	case 0:
		return Token{}, fmt.Errorf("find token %q: %w", ref, ErrNotFound)
	case 1:
		return named[0], nil
	}
	e := &AmbiguousTokenError{Name: ref}
	for _, t := range named {
		e.IDs = append(e.IDs, t.ID)
	}
	return Token{}, e
}

// RevokedTokenIDs returns the IDs of the revoked tokens, in order. A
// server polls it to close the connections of tokens revoked by another
// process (deskdrill tokens revoke).
func (s *Store) RevokedTokenIDs(ctx context.Context) ([]int64, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("revoked tokens: %w", err)
	}
	defer s.mu.RUnlock()
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM tokens WHERE revoked IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("revoked tokens: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("revoked tokens: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("revoked tokens: %w", err)
	}
	return out, nil
}
