package evidence_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/evidence"
	"github.com/deskdrill/deskdrill/web/store"

	_ "modernc.org/sqlite"
)

const trial3d = `name: trial-3d
start: 2026-03-02T00:00
timezone: Asia/Shanghai
duration: 3d
platform: taobao
store: {paid_orders_per_day: 200, contacts_per_order: 0.15}
staffing: {concurrency: 3, intervals: [{start: "00:00", end: "24:00", agents: 3}]}
contract: seed-trial
`

// played runs a three-day trial with bots, at a day a second to its end,
// or, when stop is set, at a day in two seconds stopped after its first
// day (a paused trial; the slower clock leaves time to stop it under
// -race on a busy machine).
func played(t *testing.T, stop bool) (*store.Store, int64) {
	t.Helper()
	st, id, _ := playedIn(t, t.TempDir(), stop)
	return st, id
}

// playedIn is played in dir; it returns the database's path too.
func playedIn(t *testing.T, dir string, stop bool) (*store.Store, int64, string) {
	t.Helper()
	return playedWith(t, dir, trial3d, nil, stop)
}

// playedWith is playedIn with scenario text scenario and other files
// beside it (by name).
func playedWith(t *testing.T, dir, scenario string, others map[string]string, stop bool) (*store.Store, int64, string) {
	t.Helper()
	p := filepath.Join(dir, "trial-3d.yaml")
	if err := os.WriteFile(p, []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, text := range others {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dbPath := filepath.Join(dir, "t.db")
	st, err := store.Open(t.Context(), dbPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := web.New(web.Config{Store: st, RatingWindow: 200 * time.Millisecond, WindDown: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	srv.SetLoopback("ws" + strings.TrimPrefix(hs.URL, "http"))
	sc, srcs, err := scenarios.LoadScenarioSources(p)
	if err != nil {
		t.Fatal(err)
	}
	speed := 86400.0
	if stop {
		speed = 43200
	}
	info, err := srv.Start(t.Context(), web.RunConfig{Scenario: sc, Sources: srcs, Seed: 3, Speed: speed, Bots: 3, BotSkill: 0.9,
		ThinkMin: 5 * time.Millisecond, ThinkMax: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !stop {
		select {
		case <-srv.Ended():
		case <-time.After(60 * time.Second):
			t.Fatal("the trial did not end within 60 s")
		}
		return st, info.Run.ID, dbPath
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		rep, err := web.Trial(t.Context(), st, info.Run.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Status.DaysDone >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no day finished within 30 s")
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
	if err := srv.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	return st, info.Run.ID, dbPath
}

func files(t *testing.T, p *evidence.Pack) map[string][]byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.WriteZip(&b); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

// A finished trial's pack: every file, the manifest right, CSVs with a
// BOM, statement.json final and equal to the recorded verdict, the HTML
// saying final, the contract the run's own. About 4 s.
func TestBuild_Final(t *testing.T) {
	st, id := played(t, false)
	p, err := evidence.Build(t.Context(), st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fs := files(t, p)
	if len(fs) != 11 {
		t.Errorf("%d files; want 11", len(fs))
	}
	var manifest []string
	for _, line := range strings.Split(strings.TrimSpace(string(fs[evidence.Manifest])), "\n") {
		sum, name, _ := strings.Cut(line, "  ")
		got := sha256.Sum256(fs[name])
		if _, ok := fs[name]; !ok || hex.EncodeToString(got[:]) != sum {
			t.Errorf("manifest line %q does not match the file", line)
		}
		manifest = append(manifest, name)
	}
	if len(manifest) != 10 {
		t.Errorf("the manifest lists %d files; want the 10 others", len(manifest))
	}
	for _, name := range []string{evidence.KPIsDaily, evidence.KPIsAgents, evidence.EvidenceCSV} {
		if !bytes.HasPrefix(fs[name], []byte("\ufeff")) {
			t.Errorf("%s has no byte-order mark", name)
		}
	}
	var stmt struct {
		Final bool    `json:"final"`
		Total float64 `json:"total"`
		Run   int64   `json:"run"`
	}
	if err := json.Unmarshal(fs[evidence.StatementJSON], &stmt); err != nil || !stmt.Final || stmt.Run != id {
		t.Errorf("statement.json: %v, %+v; want final, run %d", err, stmt, id)
	}
	v, err := st.Verdict(t.Context(), id)
	if err != nil || v.Refund.String() != p.Report.Status.Statement.Total.String() {
		t.Errorf("recorded refund %s, pack's statement %s", v.Refund, p.Report.Status.Statement.Total)
	}
	html := string(fs[evidence.StatementHTML])
	for _, want := range []string{"Final verdict", "sha256sum -c MANIFEST.sha256", "kpis-daily.csv", "seed-trial"} {
		if !strings.Contains(html, want) {
			t.Errorf("statement.html does not say %q", want)
		}
	}
	if strings.Contains(html, "Provisional") {
		t.Error("the final statement says provisional")
	}
	// Every conversation a line or a gate cites is named on the page.
	cited := 0
	for _, it := range p.Report.Status.Statement.Items {
		for _, c := range it.Evidence {
			cited++
			if !strings.Contains(html, "<code>"+c+"</code>") {
				t.Errorf("statement.html does not name %s, cited by the %s line", c, it.Clause)
			}
		}
	}
	for _, g := range p.Report.Status.Gates {
		for _, c := range g.Evidence {
			cited++
			if !strings.Contains(html, "<code>"+c+"</code>") {
				t.Errorf("statement.html does not name %s, behind the %s gate", c, g.KPI)
			}
		}
	}
	if cited == 0 {
		t.Log("no conversation cited: the check above proved nothing this time")
	}
	// Decimals of at most 12 significant digits: no binary noise.
	for i, line := range strings.Split(string(fs[evidence.KPIsDaily]), "\n") {
		for _, cell := range strings.Split(line, ",") {
			if strings.Contains(cell, ".") && len(strings.TrimLeft(strings.ReplaceAll(cell, ".", ""), "0")) > 13 {
				t.Errorf("kpis-daily.csv line %d: %q has more than 12 significant digits (float noise)", i+1, cell)
			}
		}
	}
	con, _ := scenarios.ContractSource("seed-trial")
	if !bytes.Equal(fs[evidence.ContractYAML], con) {
		t.Error("contract.yaml is not seed-trial byte for byte")
	}
	if len(p.Notes) != 0 {
		t.Errorf("notes %v; want none (the records agree with the verdict)", p.Notes)
	}
}

// A trial stopped before its end gives a provisional pack, marked so
// everywhere; a run that is not a trial gives none.
func TestBuild_Provisional(t *testing.T) {
	st, id := played(t, true)
	p, err := evidence.Build(t.Context(), st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fs := files(t, p)
	var stmt struct {
		Final bool `json:"final"`
		Items []struct {
			Reason string `json:"reason"`
		} `json:"items"`
	}
	json.Unmarshal(fs[evidence.StatementJSON], &stmt)
	for i, it := range stmt.Items {
		if !strings.Contains(it.Reason, "provisional") {
			t.Errorf("statement.json line %d of a paused trial: %q; want it to say provisional (trial.md: every line)", i, it.Reason)
		}
	}
	var tj struct {
		Recorded bool `json:"recorded"`
		Trial    struct {
			State   string `json:"state"`
			Verdict struct {
				Final  bool   `json:"final"`
				Reason string `json:"reason"`
			} `json:"verdict"`
		} `json:"trial"`
	}
	json.Unmarshal(fs[evidence.TrialJSON], &tj)
	if stmt.Final || tj.Recorded || tj.Trial.Verdict.Final || tj.Trial.State != "paused" || !strings.Contains(tj.Trial.Verdict.Reason, "provisional") {
		t.Errorf("a paused trial's pack: statement final %v, trial %+v; want provisional everywhere", stmt.Final, tj)
	}
	if !strings.Contains(string(fs[evidence.StatementHTML]), "Provisional verdict") {
		t.Error("statement.html of a paused trial does not say provisional")
	}
	// trial.md: every line that carries the verdict says provisional, the
	// statement's lines and its total among them.
	html := string(fs[evidence.StatementHTML])
	if n, items := strings.Count(html, `provisional 暂定</span><br><code>`), len(stmt.Items); items == 0 || n != items ||
		!strings.Contains(html, `合计 Total <span class="provisional">provisional 暂定</span>`) {
		t.Errorf("statement.html marks %d of %d statement lines provisional (and the total: %v); want every one",
			n, items, strings.Contains(html, `合计 Total <span class="provisional">`))
	}
	other, err := st.CreateRun(t.Context(), store.Run{Scenario: "steady-day", Speed: 60, Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.Build(t.Context(), st, other, time.Now()); !errors.Is(err, evidence.ErrNotTrial) {
		t.Errorf("a pack of a steady-day run: %v; want ErrNotTrial", err)
	}
}

// Records changed after the final verdict (the ratings deleted behind the
// store's back): the recorded verdict stands, and every output says the
// records disagree: trial status (web.Trial's warnings, its JSON),
// statement.json and trial.json of the pack, statement.html. About 4 s.
func TestBuild_RecordsChanged(t *testing.T) {
	st, id, path := playedIn(t, t.TempDir(), false)
	before, err := web.Trial(t.Context(), st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Warnings) != 0 {
		t.Fatalf("warnings %q before any change; want none", before.Warnings)
	}
	if err := st.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if n := deleteRatings(t, db, id); n == 0 {
		t.Fatal("no rating to delete: the test proves nothing")
	}
	db.Close()
	rep, err := web.Trial(t.Context(), st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) == 0 || !strings.Contains(strings.Join(rep.Warnings, " "), "recorded verdict stands") {
		t.Errorf("trial status after the ratings were deleted: warnings %q; want the records said to disagree", rep.Warnings)
	}
	js, _ := json.Marshal(rep)
	if !strings.Contains(string(js), `"warnings":[`) {
		t.Errorf("trial status --json has no warnings: %.300s", js)
	}
	p, err := evidence.Build(t.Context(), st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fs := files(t, p)
	for _, name := range []string{evidence.StatementJSON, evidence.TrialJSON} {
		var v struct {
			Warnings []string `json:"warnings"`
		}
		if err := json.Unmarshal(fs[name], &v); err != nil || len(v.Warnings) == 0 {
			t.Errorf("%s: %v, warnings %q; want the disagreement", name, err, v.Warnings)
		}
	}
	if !strings.Contains(string(fs[evidence.StatementHTML]), "recorded verdict stands") {
		t.Error("statement.html does not say the records disagree")
	}
}

// The pack's scenario.yaml loads from the pack alone: the run's scenario
// named its contract by a file of the merchant's machine
// (contracts/vendor.yaml); in the pack it points at contract.yaml (and its
// platform at profile.yaml), with what the run named in a comment. About 4 s.
func TestBuild_ScenarioLoadsFromThePack(t *testing.T) {
	con, err := scenarios.ContractSource("seed-trial")
	if err != nil {
		t.Fatal(err)
	}
	vendor := strings.Replace(string(con), "name: seed-trial", "name: vendor-x", 1)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "contracts"), 0o755); err != nil {
		t.Fatal(err)
	}
	sc := strings.Replace(trial3d, "contract: seed-trial", "contract: contracts/vendor.yaml", 1)
	st, id, _ := playedWith(t, dir, sc, map[string]string{"contracts/vendor.yaml": vendor}, false)
	p, err := evidence.Build(t.Context(), st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for name, data := range files(t, p) {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := scenarios.LoadScenario(filepath.Join(out, evidence.ScenarioYAML))
	if err != nil {
		t.Fatalf("the pack's scenario.yaml does not load from the pack: %v", err)
	}
	if got.Contract.Contract == nil || got.Contract.Contract.Name != "vendor-x" {
		t.Errorf("the pack's scenario loads contract %+v; want vendor-x, the pack's contract.yaml", got.Contract)
	}
	b, _ := os.ReadFile(filepath.Join(out, evidence.ScenarioYAML))
	if !strings.Contains(string(b), `contract: contract.yaml # the pack's own; the run named "contracts/vendor.yaml"`) {
		t.Errorf("scenario.yaml:\n%s\nwant its contract line pointing at contract.yaml and naming the original", b)
	}
}

// deleteRatings deletes the rating events of run id from the file behind
// the store's back, as someone tampering with it would, and returns how
// many it deleted.
func deleteRatings(t *testing.T, db *sql.DB, id int64) int {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT id, data FROM event_batches WHERE run_id = ?`, id)
	if err != nil {
		t.Fatal(err)
	}
	type batch struct {
		id   int64
		rows []store.EventRow
	}
	var batches []batch
	deleted := 0
	for rows.Next() {
		var (
			b    batch
			data []byte
		)
		if err := rows.Scan(&b.id, &data); err != nil {
			t.Fatal(err)
		}
		events, err := store.DecodeEvents(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Event.Kind == sim.EventRating {
				deleted++
				continue
			}
			b.rows = append(b.rows, e)
		}
		batches = append(batches, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if _, err := db.ExecContext(t.Context(), `UPDATE event_batches SET data = ?, events = ? WHERE id = ?`,
			store.EncodeEvents(b.rows), len(b.rows), b.id); err != nil {
			t.Fatal(err)
		}
	}
	return deleted
}
