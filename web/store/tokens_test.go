package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/web/store"
)

func TestStore_Tokens(t *testing.T) {
	ctx := t.Context()
	s, path := openStore(t, store.Options{})
	admin, at, err := s.CreateToken(ctx, store.RoleAdmin, "ops laptop")
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	viewer, vt, err := s.CreateToken(ctx, store.RoleViewer, "wall screen")
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if !strings.HasPrefix(admin, "dd_") || len(admin) != 46 || admin == viewer {
		t.Errorf("tokens %q, %q; want distinct dd_ + 43 base64url characters", admin, viewer)
	}
	if at.ID == 0 || at.Role != "admin" || at.Name != "ops laptop" || at.Created.IsZero() {
		t.Errorf("CreateToken returned %+v", at)
	}
	// Only the hash is stored.
	if n := count(t, rawDB(t, path), `SELECT count(*) FROM tokens WHERE hash = ? OR CAST(hash AS TEXT) LIKE '%' || ? || '%'`, admin, admin[3:]); n != 0 {
		t.Errorf("the plain token is in the database")
	}

	if err := s.RevokeToken(ctx, vt.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	for _, tc := range []struct {
		name  string
		plain string
		want  store.Token
		err   error
	}{
		{"valid", admin, at, nil},
		{"revoked", viewer, store.Token{}, store.ErrBadToken},
		{"unknown", "dd_" + strings.Repeat("A", 43), store.Token{}, store.ErrBadToken},
		{"no prefix", "xx" + admin[2:], store.Token{}, store.ErrBadToken},
		{"short", admin[:45], store.Token{}, store.ErrBadToken},
		{"long", admin + "A", store.Token{}, store.ErrBadToken},
		{"empty", "", store.Token{}, store.ErrBadToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Authenticate(ctx, tc.plain)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("Authenticate(%q) error = %v; want %v", tc.plain, err, tc.err)
			}
			if got != tc.want {
				t.Errorf("Authenticate(%q) = %+v; want %+v", tc.plain, got, tc.want)
			}
		})
	}

	list, err := s.Tokens(ctx)
	if err != nil {
		t.Fatalf("Tokens: %v", err)
	}
	if len(list) != 1 || list[0] != at {
		t.Errorf("Tokens = %+v; want only %+v", list, at)
	}
	if err := s.RevokeToken(ctx, vt.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeToken twice: %v; want ErrNotFound", err)
	}
	if err := s.RevokeToken(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeToken(999): %v; want ErrNotFound", err)
	}
	if _, _, err := s.CreateToken(ctx, "root", "x"); err == nil {
		t.Errorf("CreateToken with role root: nil error; want one")
	}
	for _, role := range []string{store.RoleAdmin, store.RoleSupervisor, store.RoleViewer, store.RoleAgent, store.RoleCustomer} {
		if _, _, err := s.CreateToken(ctx, role, role); err != nil {
			t.Errorf("CreateToken(%q): %v", role, err)
		}
	}
}
