package store_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/deskdrill/deskdrill/web/store"
)

func TestStore_FindTokenAndRevoked(t *testing.T) {
	ctx := t.Context()
	s, _ := openStore(t, store.Options{})
	mk := func(role, name string) store.Token {
		_, tok, err := s.CreateToken(ctx, role, name)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	alice := mk(store.RoleAgent, "alice")
	twin1, twin2 := mk(store.RoleAgent, "twin"), mk(store.RoleViewer, "twin")
	// A token named like another's ID: the ID wins.
	numeric := mk(store.RoleViewer, strconv.FormatInt(alice.ID, 10))

	for _, tc := range []struct {
		ref  string
		want int64
		err  error
	}{
		{"alice", alice.ID, nil},
		{strconv.FormatInt(twin1.ID, 10), twin1.ID, nil},
		{strconv.FormatInt(alice.ID, 10), alice.ID, nil},
		{"nobody", 0, store.ErrNotFound},
		{"99999", 0, store.ErrNotFound},
	} {
		got, err := s.FindToken(ctx, tc.ref)
		if got.ID != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("FindToken(%q) = %d, %v; want %d, %v", tc.ref, got.ID, err, tc.want, tc.err)
		}
	}
	var ae *store.AmbiguousTokenError
	if _, err := s.FindToken(ctx, "twin"); !errors.As(err, &ae) || !slices.Equal(ae.IDs, []int64{twin1.ID, twin2.ID}) {
		t.Errorf("FindToken(twin) = %v; want an ambiguity naming both IDs", err)
	}

	if ids, err := s.RevokedTokenIDs(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("RevokedTokenIDs before any revocation = %v, %v", ids, err)
	}
	for _, id := range []int64{twin2.ID, alice.ID} {
		if err := s.RevokeToken(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if ids, err := s.RevokedTokenIDs(ctx); err != nil || !slices.Equal(ids, []int64{alice.ID, twin2.ID}) {
		t.Errorf("RevokedTokenIDs = %v, %v; want %d and %d", ids, err, alice.ID, twin2.ID)
	}
	// A revoked token is found no more; the other of the name now is.
	if got, err := s.FindToken(ctx, "twin"); err != nil || got.ID != twin1.ID {
		t.Errorf("FindToken(twin) after revoking one = %d, %v; want %d", got.ID, err, twin1.ID)
	}
	if got, err := s.FindToken(ctx, strconv.FormatInt(alice.ID, 10)); err != nil || got.ID != numeric.ID {
		t.Errorf("FindToken(%d) after revoking it = %d, %v; want the token of that name, %d", alice.ID, got.ID, err, numeric.ID)
	}
}
