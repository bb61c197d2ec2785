package web_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// Every page links the icon, and both addresses browsers ask for serve it
// as an image.
func TestServer_Favicon(t *testing.T) {
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "f.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := web.New(web.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	for _, path := range []string{"/favicon.ico", "/favicon.svg"} {
		rec := get(path)
		if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusOK || ct != "image/svg+xml" || !strings.HasPrefix(rec.Body.String(), "<svg") {
			t.Errorf("GET %s: %d, Content-Type %q, body %.20q; want 200, image/svg+xml and an SVG", path, rec.Code, ct, rec.Body.String())
		}
	}
	for _, page := range []string{"/", "/console.html", "/dashboard.html", "/report.html", "/admin.html"} {
		if rec := get(page); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `<link rel="icon" href="/favicon.svg" type="image/svg+xml">`) {
			t.Errorf("GET %s: %d; want 200 and a link to the icon", page, rec.Code)
		}
	}
}
