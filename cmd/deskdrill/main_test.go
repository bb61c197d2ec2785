package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type result struct {
	code           int
	stdout, stderr string
}

func deskdrill(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// statement is the JSON shape of `refund --json`, as a user's script reads it.
type statement struct {
	Total    json.Number `json:"total"`
	Currency string      `json:"currency"`
	Periods  []string    `json:"periods"`
	Items    []struct {
		Period, Clause, KPI, Band, Formula, Reason string
		Measured, Target, Ratio                    *float64
		Amount                                     json.Number
		Evidence                                   []string
	} `json:"items"`
	Skipped []struct{ Period, Clause, KPI, Reason string } `json:"skipped"`
}

func refundJSON(t *testing.T, args ...string) statement {
	t.Helper()
	r := deskdrill(t, append([]string{"refund", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var st statement
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.UseNumber()
	if err := dec.Decode(&st); err != nil {
		t.Fatalf("decode %q: %v", r.stdout, err)
	}
	return st
}

// The worked answers of the foundation issue, through the command line.
func TestRefund_WorkedAnswers(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"tiered satisfaction 0.87", []string{"--contract", "seed-tiered", "--kpi", "satisfaction=0.87"}, "2200.00"},
		{"tiered dispute 0.026", []string{"--contract", "seed-tiered", "--kpi", "dispute_refund_rate=0.026"}, "3800.00"},
		{"tiered both", []string{"--contract", "seed-tiered", "--kpi", "satisfaction=0.87", "--kpi", "dispute_refund_rate=0.026"}, "6000.00"},
		{"tiered terminated after 6", []string{"--contract", "seed-tiered", "--terminate-after-months", "6"}, "48000.00"},
		{"guarantee dispute 0.026", []string{"--contract", "seed-guarantee", "--kpi", "dispute_refund_rate=0.026"}, "1200.00"},
		{"guarantee training below 0.60 after 6", []string{"--contract", "seed-guarantee", "--kpi", "training_pass_rate=0.5", "--terminate-after-months", "6"}, "60000.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := refundJSON(t, tc.args...)
			if st.Total.String() != tc.want || st.Currency != "CNY" {
				t.Errorf("got total %s %s; want %s CNY", st.Total, st.Currency, tc.want)
			}
		})
	}
}

func TestRefund_JSONItems(t *testing.T) {
	st := refundJSON(t, "--contract", "seed-tiered", "--kpi", "satisfaction=0.87", "--period", "2026-11")
	if len(st.Items) != 1 || len(st.Skipped) != 2 || st.Periods != nil {
		t.Fatalf("got %d items, %d skipped, periods %v; want 1, 2 and no periods for one period", len(st.Items), len(st.Skipped), st.Periods)
	}
	it := st.Items[0]
	if it.Period != "2026-11" || it.Clause != "satisfaction" || it.KPI != "satisfaction" || *it.Measured != 0.87 ||
		*it.Target != 0.9 || it.Band != "[0.85, 0.9)" || *it.Ratio != 0.22 || it.Amount != "2200.00" || it.Formula == "" || it.Reason == "" {
		t.Errorf("item: got %+v", it)
	}
}

func TestRefund_KPIFiles(t *testing.T) {
	csv := writeFile(t, "kpis.csv", "period,satisfaction,dispute_refund_rate,excluded\n2026-10,0.87,,\n2026-11,0.87,0.026,\n2026-12,0.5,0.5,platform_outage\n")
	jsn := writeFile(t, "kpis.json", `[{"period":"2026-10","satisfaction":0.87},{"period":"2026-11","satisfaction":0.87,"dispute_refund_rate":0.026},{"period":"2026-12","satisfaction":0.5,"dispute_refund_rate":0.5,"excluded":"platform_outage"}]`)
	for _, file := range []string{csv, jsn} {
		t.Run(filepath.Ext(file), func(t *testing.T) {
			st := refundJSON(t, "--contract", "seed-tiered", "--kpis", file)
			if st.Total.String() != "8200.00" || len(st.Periods) != 3 {
				t.Errorf("got total %s over %v; want 8200.00 over 3 periods", st.Total, st.Periods)
			}
			st = refundJSON(t, "--contract", "seed-tiered", "--kpis", file, "--period", "2026-11")
			if st.Total.String() != "6000.00" {
				t.Errorf("--period 2026-11: got %s; want 6000.00", st.Total)
			}
		})
	}
}

func TestRefund_Table(t *testing.T) {
	r := deskdrill(t, "refund", "--contract", "seed-tiered", "--kpi", "satisfaction=0.87", "--period", "2026-11")
	for _, want := range []string{"PERIOD", "satisfaction", "[0.85, 0.9)", "22%", "2,200.00", "TOTAL", "Why:", "Not evaluated:", "timeouts_per_day not supplied"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestRun_ExitCodes(t *testing.T) {
	badContract := writeFile(t, "bad.yaml", "name: x\nmonthly_fee: 100\nclauses:\n  - id: a\n    kind: banded\n    kpi: happiness\n")
	badKPIs := writeFile(t, "kpis.csv", "period,satisfaction\n2026-11,87\n")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"help", []string{"--help"}, 0, ""},
		{"version", []string{"version"}, 0, ""},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"unknown flag", []string{"refund", "--frob"}, 2, "unknown flag"},
		{"missing contract", []string{"refund", "--kpi", "satisfaction=0.9"}, 2, "contract"},
		{"no KPIs", []string{"refund", "--contract", "seed-tiered"}, 2, "give KPI values"},
		{"both KPI sources", []string{"refund", "--contract", "seed-tiered", "--kpis", badKPIs, "--kpi", "satisfaction=0.9"}, 2, "kpis"},
		{"unknown contract", []string{"refund", "--contract", "nope", "--kpi", "satisfaction=0.9"}, 2, `--contract: no contract named "nope"`},
		{"unknown scenario", []string{"plan", "--scenario", "nope"}, 2, `--scenario: no scenario named "nope"`},
		{"unknown KPI id", []string{"refund", "--contract", "seed-tiered", "--kpi", "happiness=1"}, 2, `unknown KPI "happiness"`},
		{"percent instead of fraction", []string{"refund", "--contract", "seed-tiered", "--kpi", "satisfaction=87"}, 2, "above 1"},
		{"malformed --kpi", []string{"refund", "--contract", "seed-tiered", "--kpi", "satisfaction"}, 2, "want id=value"},
		{"bad period", []string{"refund", "--contract", "seed-tiered", "--kpi", "satisfaction=0.8", "--period", "Nov"}, 2, `--period "Nov"`},
		{"bad contract file", []string{"refund", "--contract", badContract, "--kpi", "satisfaction=0.8"}, 2, "bad.yaml:6:10: clauses[0].kpi: unknown KPI"},
		{"bad KPI file", []string{"refund", "--contract", "seed-tiered", "--kpis", badKPIs}, 2, "kpis.csv:2:9: satisfaction: 87 is above 1"},
		{"missing KPI file", []string{"refund", "--contract", "seed-tiered", "--kpis", "/nonexistent/k.csv"}, 2, "read KPI file: /nonexistent/k.csv: no such file or directory"},
		{"remaining without months", []string{"refund", "--contract", "seed-guarantee", "--kpi", "training_pass_rate=0.5"}, 2, "--terminate-after-months"},
		{"validate bad contract", []string{"contracts", "validate", badContract}, 2, "unknown KPI"},
		{"show unknown contract", []string{"contracts", "show", "nope"}, 2, "built-in: promotion-sla, seed-guarantee, seed-tiered, seed-trial"},
		{"show without a name", []string{"contracts", "show"}, 2, "accepts 1 arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := deskdrill(t, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("got exit %d, stderr %q; want exit %d, stderr containing %q", r.code, r.stderr, tc.code, tc.stderr)
			}
		})
	}
}

// A file named on the command line that cannot be opened or read is bad
// input: exit 2, with the system's reason, for every command that takes
// files (a directory used to exit 1).
func TestRun_UnreadableFiles(t *testing.T) {
	t.Run("a run the file does not have", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "empty.db")
		if r := deskdrill(t, "tokens", "create", "--db", db, "--role", "viewer", "--name", "v"); r.code != 0 {
			t.Fatalf("tokens create: %d %s", r.code, r.stderr)
		}
		for _, args := range [][]string{{"report", "99", "--db", db}, {"export", "99", "--db", db}} {
			if r := deskdrill(t, args...); r.code != 2 || !strings.Contains(r.stderr, "99") {
				t.Errorf("%v: exit %d, %q; want 2 naming run 99", args, r.code, r.stderr)
			}
		}
	})
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	chats := writeFile(t, "chats.jsonl", `{"conversation": "c1", "time": "2026-11-11T00:00:05+08:00", "sender": "customer", "text": "在吗"}`+"\n")
	locked := writeFile(t, "locked.yaml", "name: x\n")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	type file struct {
		name, path, reason string
	}
	files := []file{{"missing", missing, "no such file"}, {"a directory", dir, "is a directory"}}
	if os.Geteuid() != 0 { // root reads a file of mode 0 all the same
		files = append(files, file{"permission denied", locked, "permission denied"})
	}
	for _, cmd := range []struct {
		name string
		args func(file string) []string
	}{
		{"contracts validate", func(f string) []string { return []string{"contracts", "validate", f} }},
		{"contracts validate, second file", func(f string) []string { return []string{"contracts", "validate", locked, f} }},
		{"scenarios validate", func(f string) []string { return []string{"scenarios", "validate", f} }},
		{"refund --contract", func(f string) []string { return []string{"refund", "--contract", f, "--kpi", "satisfaction=0.9"} }},
		{"refund --kpis", func(f string) []string { return []string{"refund", "--contract", "seed-tiered", "--kpis", f} }},
		{"kpis --transcripts", func(f string) []string { return []string{"kpis", "--transcripts", f} }},
		{"kpis --profile", func(f string) []string { return []string{"kpis", "--transcripts", chats, "--profile", f} }},
		{"kpis --contract", func(f string) []string { return []string{"kpis", "--transcripts", chats, "--contract", f} }},
		{"simulate --scenario", func(f string) []string { return []string{"simulate", "--scenario", f} }},
		{"plan --scenario", func(f string) []string { return []string{"plan", "--scenario", f} }},
		{"serve --scenario", func(f string) []string {
			return []string{"serve", "--scenario", f, "--db", filepath.Join(t.TempDir(), "x.db"), "--addr", "127.0.0.1:0"}
		}},
		{"customers --scenario", func(f string) []string {
			return []string{"customers", "--url", "ws://127.0.0.1:1", "--token", "x", "--scenario", f}
		}},
		{"report --db", func(f string) []string { return []string{"report", "1", "--db", f} }},
		{"export --db", func(f string) []string { return []string{"export", "1", "--db", f} }},
		{"tokens list --db", func(f string) []string { return []string{"tokens", "list", "--db", f} }},
	} {
		for _, f := range files {
			t.Run(cmd.name+"/"+f.name, func(t *testing.T) {
				r := deskdrill(t, cmd.args(f.path)...)
				if r.code != 2 || !strings.Contains(r.stderr, f.reason) {
					t.Errorf("got exit %d, stderr %q; want exit 2 and the reason %q", r.code, r.stderr, f.reason)
				}
			})
		}
	}
}

// A mistyped command gets cobra's suggestions and exits 2, at the top and
// in the command groups.
func TestRun_SuggestsCommands(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serv"}, "unknown command \"serv\" for \"deskdrill\"\n\nDid you mean this?\n\tserve\n"},
		{[]string{"refnd", "--json"}, "Did you mean this?\n\trefund\n"},
		{[]string{"contracts", "valdate", "x.yaml"}, "unknown command \"valdate\" for \"deskdrill contracts\"\n\nDid you mean this?\n\tvalidate\n"},
		{[]string{"kpis", "lst"}, "Did you mean this?\n\tlist\n"},
		{[]string{"tokens", "creat"}, "Did you mean this?\n\tcreate\n"},
		{[]string{"frobnicate"}, "unknown command \"frobnicate\" for \"deskdrill\"\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := deskdrill(t, tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "--help' for usage") {
				t.Errorf("got exit %d, stderr %q; want exit 2 and %q", r.code, r.stderr, tc.want)
			}
		})
	}
	if r := deskdrill(t, "frobnicate"); strings.Contains(r.stderr, "Did you mean") {
		t.Errorf("frobnicate: %q; want no suggestion for a word like no command", r.stderr)
	}
}

// --version (and -v) print what the version command prints.
func TestRun_VersionFlag(t *testing.T) {
	want := deskdrill(t, "version")
	if want.code != 0 || !strings.HasPrefix(want.stdout, "deskdrill ") {
		t.Fatalf("version: exit %d, %q", want.code, want.stdout)
	}
	for _, flag := range []string{"--version", "-v"} {
		if r := deskdrill(t, flag); r.code != 0 || r.stdout != want.stdout || r.stderr != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 0 and %q", flag, r.code, r.stdout, r.stderr, want.stdout)
		}
	}
}

func TestHelp_EveryCommandHasAPurposeAndAnExample(t *testing.T) {
	root := newRootCmd(&bytes.Buffer{}, &bytes.Buffer{})
	r := deskdrill(t, "--help")
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if !strings.Contains(r.stdout, c.Name()) || c.Short == "" {
			t.Errorf("%s: missing from --help or without a one-line purpose", c.Name())
		}
		for _, sub := range append(c.Commands(), c) {
			if sub.Example == "" {
				t.Errorf("%s %s: help has no example", c.Name(), sub.Name())
			}
		}
	}
}

func TestContracts_ListShowValidate(t *testing.T) {
	r := deskdrill(t, "contracts", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "seed-tiered") || !strings.Contains(r.stdout, "seed-guarantee") {
		t.Errorf("list: exit %d, %q", r.code, r.stdout)
	}
	r = deskdrill(t, "contracts", "show", "seed-tiered")
	if r.code != 0 || !strings.Contains(r.stdout, "monthly_fee: 10000") {
		t.Fatalf("show: exit %d, %q", r.code, r.stdout)
	}
	// What show prints is a valid contract file a user can start from.
	p := writeFile(t, "mine.yaml", r.stdout)
	r = deskdrill(t, "contracts", "validate", p)
	if r.code != 0 || !strings.Contains(r.stdout, "ok (contract seed-tiered, 3 clauses)") {
		t.Errorf("validate: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = deskdrill(t, "kpis", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "dispute_refund_rate") {
		t.Errorf("kpis list: exit %d, %q", r.code, r.stdout)
	}
}

// contracts validate reports every problem of every file it is given, each
// file's in its own order, and says which files are fine.
func TestContracts_ValidateSeveralFiles(t *testing.T) {
	good := writeFile(t, "good.yaml", "name: good\nmonthly_fee: 100\n")
	first := writeFile(t, "first.yaml", "name: a\nmonthly_fee: 0\nmonthly_fee: 5\nclauses:\n  - {id: x, kind: banded, kpi: satisfaction, target: 0.9, max_ratio: 0.1, bands: [{to: 0.9, ratio: 0.5}]}\n")
	second := writeFile(t, "second.yaml", "name: b\nmonthly_fee: lots\nstacking: product\n")
	r := deskdrill(t, "contracts", "validate", first, good, second)
	if r.code != 2 {
		t.Fatalf("exit %d; want 2", r.code)
	}
	if !strings.Contains(r.stdout, good+": ok (contract good, 0 clauses)") {
		t.Errorf("stdout %q; want the good file reported ok", r.stdout)
	}
	want := []string{
		first + ":3:1: monthly_fee: given twice",
		first + ":5:59: clauses[0].max_ratio: does not apply to banded clauses",
		second + `:2:14: monthly_fee: amount "lots"`,
		second + `:3:11: stacking: "product": want sum or max`,
	}
	lines := strings.Split(strings.TrimPrefix(r.stderr, "deskdrill: "), "\n")
	at := 0
	for _, l := range lines {
		if at < len(want) && strings.HasPrefix(l, want[at]) {
			at++
		}
	}
	if at != len(want) {
		t.Errorf("stderr:\n%s\nwant, in order:\n%s", r.stderr, strings.Join(want, "\n"))
	}
}

func TestScenarios_ListShowValidate(t *testing.T) {
	r := deskdrill(t, "scenarios", "list")
	if r.code != 0 {
		t.Fatalf("list: exit %d, %s", r.code, r.stderr)
	}
	for _, name := range []string{"steady-day", "double11", "double11-aftersales", "618", "trial-2w", "pre-hire-basic"} {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("list lacks %s: %q", name, r.stdout)
		}
	}
	r = deskdrill(t, "scenarios", "show", "double11")
	if r.code != 0 || !strings.Contains(r.stdout, "name: double11") {
		t.Fatalf("show: exit %d, %q", r.code, r.stderr)
	}
	// What show prints is a valid scenario file a user can start from.
	p := writeFile(t, "mine.yaml", r.stdout)
	r = deskdrill(t, "scenarios", "validate", p)
	if r.code != 0 || !strings.Contains(r.stdout, "ok (scenario double11") {
		t.Errorf("validate: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = deskdrill(t, "scenarios", "show", "no-such")
	if r.code != 2 || !strings.Contains(r.stderr, "steady-day") {
		t.Errorf("show unknown: exit %d, %q; want 2 and the known names", r.code, r.stderr)
	}
}

func TestScenarios_ValidateBadFile(t *testing.T) {
	bad := writeFile(t, "bad.yaml", "name: x\nstart: 2026-11-11T00:00\nduration: 2q\nstore: {paid_orders_per_day: 100, contacts_per_order: 0.2}\nfoo: 1\n")
	r := deskdrill(t, "scenarios", "validate", bad)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2; stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{bad + ":3:11: duration:", bad + `:5:1: foo: unknown field "foo"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// A file named like a built-in scenario is still the file.
	r = deskdrill(t, "scenarios", "validate", filepath.Join(t.TempDir(), "double11"))
	if r.code != 2 {
		t.Errorf("validating a missing file named double11: exit %d, want 2; %q", r.code, r.stdout)
	}
}

// refund --period over a trial's daily record lists the rows it leaves
// out and why; a file with no period to judge, or without the period
// asked for, says what it has instead of printing an empty statement.
func TestRefund_PeriodsOfADailyRecord(t *testing.T) {
	daily := writeFile(t, "kpis-daily.csv", "period,status,satisfaction,n_ratings\n2026-03-02,final,0.75,4\n2026-03-03,provisional,1,2\ntrial,provisional,0.8333,6\n")
	days := writeFile(t, "days.csv", "period,satisfaction\n2026-03-02,0.75\n")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"day rows left out by --period", []string{"--kpis", daily, "--period", "trial"}, 0, []string{
			"2026-03-02: left out by --period trial: a day is not a contract period",
			"2026-03-03: left out by --period trial: a day is not a contract period", "TOTAL  5,000.00"}},
		{"only days, --period trial", []string{"--kpis", days, "--period", "trial"}, 2, []string{
			"period trial: not in the KPI file (it has only day rows (2026-03-02), which no clause judges"}},
		{"only days", []string{"--kpis", days}, 2, []string{
			"days.csv: no contract period to judge (a month such as 2026-11, or trial): it has only day rows (2026-03-02)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := deskdrill(t, append([]string{"refund", "--contract", "seed-trial"}, tc.args...)...)
			out := r.stdout + r.stderr
			if r.code != tc.code {
				t.Errorf("exit %d; want %d\n%s", r.code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not say %q:\n%s", w, out)
				}
			}
		})
	}
}
