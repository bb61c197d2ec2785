//go:build unix

package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/web/webtest"
)

// trialJSON is what the test reads of trial status --json.
type trialJSON struct {
	Recorded bool `json:"recorded"`
	Trial    struct {
		State    string `json:"state"`
		Days     int    `json:"days"`
		DaysDone int    `json:"days_done"`
		Verdict  struct {
			Outcome string  `json:"outcome"`
			Refund  float64 `json:"refund"`
			Final   bool    `json:"final"`
			Reason  string  `json:"reason"`
		} `json:"verdict"`
		Statement struct {
			Total json.Number `json:"total"`
		} `json:"statement"`
	} `json:"trial"`
}

func trialStatus(t *testing.T, db string) (trialJSON, string) {
	t.Helper()
	r := deskdrill(t, "trial", "status", "--db", db, "--json")
	var tj trialJSON
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &tj) != nil {
		t.Fatalf("trial status --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return tj, r.stdout
}

// The "done when": a trial of trial-2w (fourteen days, its surges
// and contract; fewer buyers: 120 paid orders a day instead of 12,000, so
// 18 chats a day) run with bots at a day in 0.86 s (--speed 100000, the most), killed with SIGKILL
// mid-way and resumed, ends by itself with a final verdict, recorded; the
// verdict does not change and the run cannot be resumed again; its
// evidence pack verifies with sha256sum -c (and in Go), its statement
// reproduces from its own CSV and contract to the fen, and building the
// pack again gives the same bytes.
func TestTrial_KilledResumedDecidedAndPacked(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a compressed two-week trial in child processes; about 20 s")
	}
	dir := t.TempDir()
	lite, err := webtest.TrialLite(dir, 120)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "trial.db")
	p := startServe(t, "--scenario", lite, "--speed", "100000", "--bots", "3", "--bot-skill", "0.6", "--think", "5ms..20ms",
		"--db", db, "--addr", "127.0.0.1:0", "--seed", "5", "--log", "info")
	if !strings.Contains(p.out(), "a trial of 14d") {
		t.Errorf("serve's banner does not say it runs a trial:\n%s", p.out())
	}
	// Kill it some days in: 18 chats a day, so 70 chats is about four
	// days (counting rows is cheaper than judging the trial).
	waitConversations(t, db, 70)
	p.signal(syscall.SIGKILL, 10*time.Second)
	// The killed run's clock stops at its last recorded event, which may
	// be up to a flush interval (250 ms: hours of this scenario) before
	// the kill: a day that had just finished may not be finished now.
	tj, _ := trialStatus(t, db)
	if tj.Trial.State != "paused" || tj.Recorded || tj.Trial.Verdict.Final || !strings.Contains(tj.Trial.Verdict.Reason, "provisional") ||
		tj.Trial.DaysDone < 3 || tj.Trial.DaysDone >= 14 {
		t.Fatalf("after SIGKILL: %+v; want the trial paused, its verdict provisional, some days done", tj.Trial)
	}
	t.Logf("killed after %d days: %s", tj.Trial.DaysDone, tj.Trial.Verdict.Reason)

	p = startServe(t, "--resume", "1", "--db", db, "--addr", "127.0.0.1:0", "--think", "5ms..20ms", "--log", "info")
	select {
	case <-p.done:
	case <-time.After(90 * time.Second):
		t.Fatalf("the resumed trial did not end by itself within 90 s\n%s", tail(p.errOut(), 10))
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(p.out(), "the trial's final verdict, recorded") {
		t.Fatalf("resumed serve: exit %d\n%s%s; want 0 and the final verdict", code, p.out(), tail(p.errOut(), 10))
	}
	final, finalJSON := trialStatus(t, db)
	if !final.Recorded || final.Trial.State != "final" || !final.Trial.Verdict.Final || final.Trial.DaysDone != 14 || final.Trial.Days != 14 {
		t.Fatalf("after the end: %+v; want recorded, final, 14 of 14 days", final)
	}
	t.Logf("final: %s", final.Trial.Verdict.Reason)
	if r := deskdrill(t, "trial", "status", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "FINAL verdict") ||
		!strings.Contains(r.stdout, "deskdrill evidence 1 --db "+shellQuote(db)+" --out trial-1.zip") {
		t.Errorf("trial status: exit %d\n%s; want the final verdict shown as final and the evidence command with this --db", r.code, r.stdout)
	}
	// Resuming an ended trial is refused and changes nothing.
	if r := deskdrillWithin(t, 20*time.Second, "serve", "--resume", "1", "--db", db, "--addr", "127.0.0.1:0"); r.code == 0 || !strings.Contains(r.stderr, "ended") {
		t.Errorf("serve --resume of the ended trial: exit %d\n%s; want it refused", r.code, r.stderr)
	}
	if _, again := trialStatus(t, db); again != finalJSON {
		t.Errorf("the final verdict changed after a refused resume")
	}

	// The evidence pack.
	pack := filepath.Join(dir, "pack.zip")
	if r := deskdrill(t, "evidence", "1", "--db", db, "--out", pack); r.code != 0 || !strings.Contains(r.stdout, "final verdict") {
		t.Fatalf("evidence: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	files := unzip(t, pack, filepath.Join(dir, "pack"))
	for _, name := range []string{"statement.json", "statement.html", "kpis-daily.csv", "kpis-agents.csv", "trial.json", "evidence.csv",
		"transcripts.jsonl", "contract.yaml", "scenario.yaml", "profile.yaml", "MANIFEST.sha256"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the pack has no %s", name)
		}
	}
	if len(files) != 11 {
		t.Errorf("the pack has %d files; want 11", len(files))
	}
	verifyManifest(t, filepath.Join(dir, "pack"), files)
	// scenario.yaml is the run's file byte for byte but its contract: and
	// platform: lines, which point at the pack's own files (docs/trial.md).
	src, _ := os.ReadFile(lite)
	got, want := strings.SplitAfter(string(files["scenario.yaml"]), "\n"), strings.SplitAfter(string(src), "\n")
	if len(got) != len(want) {
		t.Errorf("scenario.yaml has %d lines; the run's file %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		switch {
		case strings.HasPrefix(want[i], "contract:"):
			if !strings.HasPrefix(got[i], "contract: contract.yaml # ") {
				t.Errorf("scenario.yaml line %d: %q; want it pointing at contract.yaml", i+1, got[i])
			}
		case strings.HasPrefix(want[i], "platform:"):
			if !strings.HasPrefix(got[i], "platform: profile.yaml # ") {
				t.Errorf("scenario.yaml line %d: %q; want it pointing at profile.yaml", i+1, got[i])
			}
		case got[i] != want[i]:
			t.Errorf("scenario.yaml line %d: %q; the run's file has %q", i+1, got[i], want[i])
		}
	}
	// statement.json is the only JSON with a top-level total, and it
	// reproduces from the pack's own CSV and contract.
	for name, b := range files {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(b, &top); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := top["total"]; ok != (name == "statement.json") {
			t.Errorf("%s has a top-level total: %v; want only statement.json to", name, ok)
		}
	}
	var stmt struct {
		Items []struct {
			Amount   json.Number `json:"amount"`
			Reason   string      `json:"reason"`
			Evidence []string    `json:"evidence"`
		} `json:"items"`
		Total json.Number `json:"total"`
		Final bool        `json:"final"`
	}
	if err := json.Unmarshal(files["statement.json"], &stmt); err != nil || !stmt.Final {
		t.Fatalf("statement.json: %v, final %v", err, stmt.Final)
	}
	if stmt.Total != final.Trial.Statement.Total {
		t.Errorf("statement.json total %s; trial status says %s", stmt.Total, final.Trial.Statement.Total)
	}
	r := deskdrill(t, "refund", "--contract", filepath.Join(dir, "pack", "contract.yaml"), "--kpis", filepath.Join(dir, "pack", "kpis-daily.csv"),
		"--period", "trial", "--json")
	var again struct {
		Items []struct {
			Reason string `json:"reason"`
		} `json:"items"`
		Total json.Number `json:"total"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &again) != nil {
		t.Fatalf("refund from the pack: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	same := len(again.Items) == len(stmt.Items) && len(stmt.Items) > 0
	for i := range again.Items {
		same = same && i < len(stmt.Items) && again.Items[i].Reason == stmt.Items[i].Reason
	}
	if again.Total != stmt.Total || !same {
		t.Errorf("refund from the pack's CSV: total %s, %+v; statement.json says %s, %+v (the same gates' values, to the last digit)",
			again.Total, again.Items, stmt.Total, stmt.Items)
	}
	// Every conversation the statement's line cites is in the pack.
	inPack := map[string]bool{}
	for line := range strings.SplitSeq(string(files["transcripts.jsonl"]), "\n") {
		var ev struct {
			Conversation string `json:"conversation"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil {
			inPack[ev.Conversation] = true
		}
	}
	for _, it := range stmt.Items {
		for _, id := range it.Evidence {
			if !inPack[id] {
				t.Errorf("statement line cites %s, whose transcript is not in the pack", id)
			}
		}
	}
	if stmt.Total != "0.00" && len(stmt.Items[0].Evidence) == 0 {
		t.Errorf("a refund with no conversation behind it")
	}
	t.Logf("statement total %s, reproduced from kpis-daily.csv: %s", stmt.Total, again.Total)
	checkDailyCSV(t, files["kpis-daily.csv"])
	// The same records give the same pack.
	pack2 := filepath.Join(dir, "pack2.zip")
	if r := deskdrill(t, "evidence", "1", "--db", db, "--out", pack2); r.code != 0 {
		t.Fatalf("evidence again: exit %d\n%s", r.code, r.stderr)
	}
	a, _ := os.ReadFile(pack)
	b, _ := os.ReadFile(pack2)
	if !bytes.Equal(a, b) {
		t.Error("building the final trial's pack again gave other bytes")
	}
}

// unzip extracts the zip at path into dir and returns its files.
func unzip(t *testing.T, path, dir string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		if strings.ContainsAny(f.Name, `/\`) {
			t.Errorf("pack entry %q is not at the top", f.Name)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
		if err := os.WriteFile(filepath.Join(dir, f.Name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// verifyManifest checks MANIFEST.sha256 in Go (every other file listed
// once, each digest right) and with the sha256sum binary when there is
// one.
func verifyManifest(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	listed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(files["MANIFEST.sha256"]))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("manifest line %q is not in sha256sum's format", sc.Text())
		}
		got := sha256.Sum256(files[name])
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("manifest: %s: digest %s; the file's is %x", name, sum, got)
		}
		listed[name] = true
	}
	for name := range files {
		if listed[name] == (name == "MANIFEST.sha256") {
			t.Errorf("manifest lists %s: %v; want every file but itself", name, listed[name])
		}
	}
	bin, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Logf("no sha256sum binary: the manifest was checked in Go only")
		return
	}
	cmd := exec.Command(bin, "-c", "MANIFEST.sha256")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("sha256sum -c MANIFEST.sha256: %v\n%s", err, out)
	}
}

// checkDailyCSV checks kpis-daily.csv: a BOM, fourteen day rows and the
// trial row, whose satisfaction is its pooled counts' top-2 share and
// whose counts are the days' sums (not a mean of daily rates).
func TestShellQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"trial.db", "trial.db"}, {"/tmp/x/trial-1.db", "/tmp/x/trial-1.db"}, {"my trial.db", "'my trial.db'"}, {"it's.db", `'it'\''s.db'`}, {"", "''"},
	} {
		if got := shellQuote(tc.in); got != tc.want {
			t.Errorf("shellQuote(%q) = %s; want %s", tc.in, got, tc.want)
		}
	}
}

func checkDailyCSV(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Error("kpis-daily.csv has no UTF-8 byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if len(rows) != 16 || rows[15][0] != "trial" || rows[1][0] != "2026-03-02" || rows[14][0] != "2026-03-15" {
		t.Fatalf("kpis-daily.csv has %d rows, periods %s … %s; want the header, 14 days from 2026-03-02 and trial", len(rows), rows[1][0], rows[len(rows)-1][0])
	}
	f := func(r []string, name string) float64 {
		v, err := strconv.ParseFloat(r[col[name]], 64)
		if err != nil {
			t.Fatalf("%s %s: %q", r[0], name, r[col[name]])
		}
		return v
	}
	var top2, ratings float64
	for _, r := range rows[1:15] {
		top2 += f(r, "n_top2")
		ratings += f(r, "n_ratings")
	}
	trial := rows[15]
	// The pooled rate of the summed counts, written to 12 significant
	// digits (docs/trial.md: decimals without binary noise).
	if f(trial, "n_top2") != top2 || f(trial, "n_ratings") != ratings || trial[col["satisfaction"]] != strconv.FormatFloat(top2/ratings, 'g', 12, 64) {
		t.Errorf("trial row: satisfaction %v from %v of %v; the days sum to %v of %v", f(trial, "satisfaction"), f(trial, "n_top2"), f(trial, "n_ratings"), top2, ratings)
	}
}
