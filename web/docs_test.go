package web_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// TestDocs_APITable: docs/live.md's API table lists exactly the server's
// routes, each with exactly the roles it admits.
func TestDocs_APITable(t *testing.T) {
	doc, err := os.ReadFile("../docs/live.md")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "d.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := web.New(web.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string][]string{}
	section := ""
	for i, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "## ") {
			section = strings.TrimPrefix(line, "## ")
			continue
		}
		if section != "API" || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, "|")
		pattern := strings.Trim(strings.TrimSpace(cells[1]), "`")
		var roles []string
		if r := strings.TrimSpace(cells[2]); r != "none" {
			for _, role := range strings.Split(r, ",") {
				roles = append(roles, strings.TrimSpace(role))
			}
		}
		if _, dup := documented[pattern]; dup {
			t.Errorf("live.md:%d: %s twice", i+1, pattern)
		}
		documented[pattern] = roles
	}
	for _, r := range srv.Routes() {
		roles, ok := documented[r.Pattern]
		if !ok {
			t.Errorf("live.md's API table lacks %s (roles %v)", r.Pattern, r.Roles)
			continue
		}
		delete(documented, r.Pattern)
		want, got := slices.Sorted(slices.Values(r.Roles)), slices.Sorted(slices.Values(roles))
		if !slices.Equal(want, got) {
			t.Errorf("%s: live.md says roles %v; the server admits %v", r.Pattern, got, want)
		}
	}
	for p := range documented {
		t.Errorf("live.md documents %s, which the server does not serve", p)
	}
}
