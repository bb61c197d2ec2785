package main

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func TestExam_ListAndValidate(t *testing.T) {
	r := deskdrill(t, "exam", "list")
	for _, n := range []string{"pre-hire-basic", "pre-hire-en", "promotion-surge"} {
		if r.code != 0 || !strings.Contains(r.stdout, n) {
			t.Errorf("exam list: exit %d, %q lacks %s", r.code, r.stdout, n)
		}
	}
	bad := writeFile(t, "bad.yaml", "name: bad\nitems:\n  - id: a\n    case: quality_defct\n    open: 坏了\n")
	r = deskdrill(t, "exam", "validate", bad)
	if r.code != 2 || !strings.Contains(r.stderr, "bad.yaml:4:11: items[0].case: unknown case \"quality_defct\"") {
		t.Errorf("exam validate of a bad file: exit %d, %q; want 2 naming line, column and field", r.code, r.stderr)
	}
	if r := deskdrill(t, "exam", "try", "--exam", "no-such-exam"); r.code != 2 {
		t.Errorf("exam try of an unknown exam: exit %d, %q; want 2", r.code, r.stderr)
	}
	// A misspelt cohort, a name given twice, a file in no directory: bad
	// usage, not an empty report or a run-time failure.
	db := filepath.Join(t.TempDir(), "exams.db")
	for _, args := range [][]string{
		{"exam", "invite", "--db", db, "--exam", "pre-hire-basic", "--cohort", "a", "--candidates", "王芳,王芳"},
		{"exam", "invite", "--db", filepath.Join(t.TempDir(), "no", "such", "x.db"), "--exam", "pre-hire-basic", "--cohort", "a", "--candidates", "王芳"},
	} {
		if r := deskdrill(t, args...); r.code != 2 {
			t.Errorf("%q: exit %d, %q; want 2", args, r.code, r.stderr)
		}
	}
	if r := deskdrill(t, "exam", "invite", "--db", db, "--exam", "pre-hire-basic", "--cohort", "2026-12", "--candidates", "王芳"); r.code != 0 {
		t.Fatalf("invite: exit %d, %q", r.code, r.stderr)
	}
	if r := deskdrill(t, "exam", "report", "--db", db, "--cohort", "2026-21"); r.code != 2 || !strings.Contains(r.stderr, `no cohort "2026-21"`) {
		t.Errorf("report of a cohort nobody was invited to: exit %d, %q; want 2", r.code, r.stderr)
	}
	if r := deskdrill(t, "exam", "report", "--db", db, "--cohort", "2026-12"); r.code != 0 {
		t.Errorf("report of an invited cohort with no sitting yet: exit %d, %q; want 0", r.code, r.stderr)
	}
	// Nobody sat: the exam they were invited to, and no mean (null, as
	// the pass rate: exams.md, "no candidate, no rate"), not 0.
	r = deskdrill(t, "exam", "report", "--db", db, "--cohort", "2026-12", "--json")
	var rep struct {
		Exam      string   `json:"exam"`
		N         int      `json:"n"`
		MeanScore *float64 `json:"mean_score"`
		PassRate  *float64 `json:"pass_rate"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Exam != "pre-hire-basic" || rep.N != 0 || rep.MeanScore != nil || rep.PassRate != nil {
		t.Errorf("report of an invited cohort nobody sat: %+v (%v) from %s; want exam pre-hire-basic, n 0, mean and pass rate null", rep, err, r.stdout)
	}
	// Above 600× the machine's own delays show in the timeliness: refused.
	if r := deskdrill(t, "exam", "try", "--exam", "pre-hire-basic", "--speed", "20000"); r.code != 2 || !strings.Contains(r.stderr, "at most 600") {
		t.Errorf("exam try --speed 20000: exit %d, %q; want 2 and the limit", r.code, r.stderr)
	}
}

// TestExam_CohortReport: six bots of varied skill sit pre-hire-basic into
// one cohort; the report's pass rate, α and item statistics are recomputed
// here from the item scores it lists, by the formulas of docs/exams.md.
func TestExam_CohortReport(t *testing.T) {
	if testing.Short() {
		t.Skip("six sittings")
	}
	db := filepath.Join(t.TempDir(), "exams.db")
	for i, skill := range []string{"1", "0.9", "0.7", "0.5", "0.3", "0"} {
		r := deskdrill(t, "exam", "try", "--exam", "pre-hire-basic", "--bot-skill", skill, "--speed", "240", "--seed", fmt.Sprint(11+i),
			"--db", db, "--cohort", "bots", "--name", "bot-"+skill, "--json")
		if r.code != 0 {
			t.Fatalf("exam try --bot-skill %s: exit %d\n%s", skill, r.code, r.stderr)
		}
	}
	r := deskdrill(t, "exam", "report", "--db", db, "--cohort", "bots", "--json")
	if r.code != 0 {
		t.Fatalf("exam report: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		Candidates []struct {
			Name   string    `json:"name"`
			Score  float64   `json:"score"`
			Passed bool      `json:"passed"`
			Items  []float64 `json:"items"`
		} `json:"candidates"`
		PassRate         float64  `json:"pass_rate"`
		TrainingPassRate float64  `json:"training_pass_rate"`
		Alpha            *float64 `json:"alpha"`
		Items            []struct {
			Item           string   `json:"item"`
			Difficulty     float64  `json:"difficulty"`
			Discrimination *float64 `json:"discrimination"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	n := len(rep.Candidates)
	if n != 6 {
		t.Fatalf("%d candidates; want 6", n)
	}
	passed := 0
	k := len(rep.Items)
	x := make([][]float64, k) // x[item][candidate]
	for j := range x {
		x[j] = make([]float64, n)
	}
	totals := make([]float64, n)
	for i, c := range rep.Candidates {
		if c.Passed {
			passed++
		}
		if len(c.Items) != k {
			t.Fatalf("%s has %d item scores; want %d", c.Name, len(c.Items), k)
		}
		for j, v := range c.Items {
			x[j][i] = v
			totals[i] += v
		}
	}
	if want := float64(passed) / float64(n); rep.PassRate != want || rep.TrainingPassRate != want {
		t.Errorf("pass rate %v, training_pass_rate %v; want %v", rep.PassRate, rep.TrainingPassRate, want)
	}
	if passed == 0 || passed == n {
		t.Errorf("%d of %d passed: varied skills should give both verdicts", passed, n)
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, a := range v {
			s += a
		}
		return s / float64(len(v))
	}
	variance := func(v []float64) float64 { // sample variance
		m, s := mean(v), 0.0
		for _, a := range v {
			s += (a - m) * (a - m)
		}
		return s / float64(len(v)-1)
	}
	sumVar := 0.0
	for j := range x {
		sumVar += variance(x[j])
	}
	alpha := float64(k) / float64(k-1) * (1 - sumVar/variance(totals))
	if rep.Alpha == nil || math.Abs(*rep.Alpha-alpha) > 1e-4 {
		t.Errorf("alpha %v; recomputed %.6f", rep.Alpha, alpha)
	}
	for j, it := range rep.Items {
		if d := mean(x[j]) / 100; math.Abs(it.Difficulty-d) > 1e-4 {
			t.Errorf("%s: difficulty %v; recomputed %.6f", it.Item, it.Difficulty, d)
		}
		rest := make([]float64, n)
		for i := range rest {
			rest[i] = totals[i] - x[j][i]
		}
		mx, mr := mean(x[j]), mean(rest)
		cov, vx, vr := 0.0, 0.0, 0.0
		for i := range rest {
			cov += (x[j][i] - mx) * (rest[i] - mr)
			vx += (x[j][i] - mx) * (x[j][i] - mx)
			vr += (rest[i] - mr) * (rest[i] - mr)
		}
		if vx == 0 || vr == 0 {
			if it.Discrimination != nil {
				t.Errorf("%s: discrimination %v for an item that does not vary", it.Item, *it.Discrimination)
			}
			continue
		}
		if want := cov / math.Sqrt(vx*vr); it.Discrimination == nil || math.Abs(*it.Discrimination-want) > 1e-4 {
			t.Errorf("%s: discrimination %v; recomputed %.6f", it.Item, it.Discrimination, want)
		}
	}

	// The training clause's refund at that pass rate.
	r = deskdrill(t, "exam", "report", "--db", db, "--cohort", "bots", "--contract", "seed-guarantee", "--terminate-after-months", "6")
	if r.code != 0 || !strings.Contains(r.stdout, "training") {
		t.Errorf("exam report --contract: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
