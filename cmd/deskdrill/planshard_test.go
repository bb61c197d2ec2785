package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
)

// The plan of a sharded run: a fixed --reps, the seed, and the rest as
// a user would give it.
var shardPlan = []string{"plan", "--scenario", "steady-day", "--agents", "4:8:2", "--reps", "7", "--hour-reps", "3", "--seed", "11", "--agent-cost", "300/day"}

func TestPlan_ShardsMergeExactly(t *testing.T) {
	whole := deskdrill(t, append(shardPlan, "--json")...)
	if whole.code != 0 {
		t.Fatalf("unsharded: exit %d: %s", whole.code, whole.stderr)
	}
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d shards", n), func(t *testing.T) {
			var dirs []string
			for i := range n {
				dir := filepath.Join(t.TempDir(), fmt.Sprintf("shard-%d", i))
				r := deskdrill(t, append(shardPlan, "--shard", fmt.Sprintf("%d/%d", i, n), "--out", dir)...)
				if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("shard %d/%d", i, n)) {
					t.Fatalf("shard %d/%d: exit %d: %s%s", i, n, r.code, r.stdout, r.stderr)
				}
				dirs = append([]string{dir}, dirs...) // any order
			}
			var got bytes.Buffer
			if err := mergePlanShards(dirs, true, &got); err != nil {
				t.Fatal(err)
			}
			if got.String() != whole.stdout {
				t.Errorf("%d shards merged differ from the unsharded plan --json", n)
			}
			var table bytes.Buffer
			if err := mergePlanShards(dirs, false, &table); err != nil || !strings.Contains(table.String(), "seed 11") || !strings.Contains(table.String(), "probability each contract KPI is missed") {
				t.Errorf("merged table: %v\n%s", err, table.String())
			}
		})
	}
}

// A shard has no report: with --json it prints what it wrote, as JSON.
func TestPlan_ShardJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s1")
	r := deskdrill(t, append(shardPlan, "--shard", "1/3", "--out", dir, "--json")...)
	var got struct {
		Scenario             string
		Shard, Shards        int
		Replications, Levels int
		Seed                 uint64
		Out, Definition      string
	}
	// --agents 4:8:2 is 3 levels; replications 1 and 4 of 7 are shard 1's.
	if err := json.Unmarshal([]byte(r.stdout), &got); r.code != 0 || err != nil || got.Scenario != "steady-day" || got.Shard != 1 || got.Shards != 3 ||
		got.Levels != 3 || got.Replications != 6 || got.Seed != 11 || got.Out != dir || !strings.HasPrefix(got.Definition, "sha256:") {
		t.Errorf("exit %d, %v: %s; want JSON naming shard 1/3 of steady-day, 6 replications of 3 levels, seed 11, %s and the definition", r.code, err, r.stdout, dir)
	}
}

func TestMergePlanShards_BadInput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s0")
	if r := deskdrill(t, append(shardPlan, "--shard", "0/2", "--out", dir)...); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	broken := filepath.Join(t.TempDir(), "broken")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest, _ := os.ReadFile(filepath.Join(dir, shardManifest))
	os.WriteFile(filepath.Join(broken, shardManifest), manifest, 0o644)
	os.WriteFile(filepath.Join(broken, shardRows), []byte("{\"agents\": 4, \"rep\": {\"index\": 0}}\n{\"agents\": 4, \"rep\": {\"index\": \"one\"}}\n"), 0o644)
	// Shard 1 of a plan of another scenario by the same name: the same
	// options, levels and hourly needs, other outcomes.
	text := deskdrill(t, "scenarios", "show", "steady-day").stdout
	other := filepath.Join(t.TempDir(), "steady-day.yaml")
	os.WriteFile(other, []byte(text+"\noutcome: {satisfaction: {base: 3.0}}\n"), 0o644)
	otherDir := filepath.Join(t.TempDir(), "other1")
	otherPlan := slices.Clone(shardPlan)
	otherPlan[slices.Index(otherPlan, "steady-day")] = other
	if r := deskdrill(t, append(otherPlan, "--shard", "1/2", "--out", otherDir)...); r.code != 0 {
		t.Fatalf("the other scenario's shard: exit %d: %s", r.code, r.stderr)
	}
	// Manifests broken three ways; each error names the line of the
	// fault, found here from the text.
	lines := strings.Split(string(manifest), "\n")
	lineOf := func(sub string) int {
		for i, l := range lines {
			if strings.Contains(l, sub) {
				return i + 1
			}
		}
		t.Fatalf("%q not in the manifest", sub)
		return 0
	}
	badManifest := func(name string, edit func(string) string) string {
		d := filepath.Join(t.TempDir(), name)
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, shardManifest), []byte(edit(string(manifest))), 0o644)
		rows, _ := os.ReadFile(filepath.Join(dir, shardRows))
		os.WriteFile(filepath.Join(d, shardRows), rows, 0o644)
		return d
	}
	seedLine, repsLine := lineOf(`"seed": 11`), lineOf(`"reps": 7`)
	mistyped := badManifest("mistyped", func(m string) string { return strings.Replace(m, `"seed": 11`, `"seed": "eleven"`, 1) })
	syntax := badManifest("syntax", func(m string) string { return strings.Replace(m, `"reps": 7,`, `"reps": 7,,`, 1) })
	unknown := badManifest("unknown", func(m string) string { return strings.Replace(m, `"reps": 7,`, `"reps": 7, "extra": 1,`, 1) })
	for _, tc := range []struct {
		name string
		dirs []string
		want string
	}{
		{"none", nil, "no directories given"},
		{"another scenario by the same name", []string{dir, otherDir}, "shard 1 ran another plan than shard 0: their definitions differ"},
		{"a mistyped field", []string{mistyped}, fmt.Sprintf("plan-shard.json line %d: field options.seed: want uint64", seedLine)},
		{"a syntax error", []string{syntax}, fmt.Sprintf("plan-shard.json line %d: invalid character ','", repsLine)},
		{"an unknown field", []string{unknown}, fmt.Sprintf("plan-shard.json line %d: unknown field \"extra\"", repsLine)},
		{"not a shard", []string{t.TempDir()}, "plan-shard.json: no such file or directory (want the --out directory of plan --shard)"},
		{"a shard missing", []string{dir}, "shard 1 of 2 is missing"},
		{"a bad row", []string{broken}, "reps.jsonl line 2: field rep.index: want int"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mergePlanShards(tc.dirs, true, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, scenarios.ErrBadInput) {
				t.Errorf("merge: %v; want bad input saying %q", err, tc.want)
			}
		})
	}
}

// planChildEnv switches the test binary into a deskdrill child process:
// its value is the command line as a JSON array.
const planChildEnv = "DESKDRILL_PLAN_CHILD"

// TestPlanChild is not a test of its own: the Indexed Job test runs the
// test binary again with only this test selected and planChildEnv set,
// and it runs the command line as main would, exit code included.
func TestPlanChild(t *testing.T) {
	v := os.Getenv(planChildEnv)
	if v == "" {
		t.Skip("the child process of TestPlan_IndexedJob")
	}
	var args []string
	if err := json.Unmarshal([]byte(v), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(run(context.Background(), args, os.Stdout, os.Stderr))
}

// kubeVar is Kubernetes' $(VAR) reference in a container's args.
var kubeVar = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// expand replaces $(VAR) as the kubelet does for a container's args,
// from env.
func expand(arg string, env map[string]string) string {
	return kubeVar.ReplaceAllStringFunc(arg, func(ref string) string {
		if v, ok := env[kubeVar.FindStringSubmatch(ref)[1]]; ok {
			return v
		}
		return ref
	})
}

// The contract of a Kubernetes Indexed Job, run locally: N processes at
// once, each with JOB_COMPLETION_INDEX set and `--shard
// $(JOB_COMPLETION_INDEX)/N` in its args, write their rows to their own
// directories; the merge equals one unsharded run, byte for byte.
func TestPlan_IndexedJob(t *testing.T) {
	const n = 3
	whole := deskdrill(t, append(shardPlan, "--json")...)
	if whole.code != 0 {
		t.Fatalf("unsharded: exit %d: %s", whole.code, whole.stderr)
	}
	root := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		env := map[string]string{"JOB_COMPLETION_INDEX": fmt.Sprint(i)}
		var args []string
		for _, a := range append(shardPlan, "--shard", "$(JOB_COMPLETION_INDEX)/3", "--out", filepath.Join(root, "shard-$(JOB_COMPLETION_INDEX)")) {
			args = append(args, expand(a, env))
		}
		cmdline, _ := json.Marshal(args)
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestPlanChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), planChildEnv+"="+string(cmdline), "JOB_COMPLETION_INDEX="+env["JOB_COMPLETION_INDEX"], "GOMAXPROCS=1")
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("pod %d: %v\n%s", i, err, out)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for i := range n {
		dirs = append(dirs, filepath.Join(root, fmt.Sprintf("shard-%d", i)))
	}
	var got bytes.Buffer
	if err := mergePlanShards(dirs, true, &got); err != nil {
		t.Fatal(err)
	}
	if got.String() != whole.stdout {
		t.Error("the Indexed Job's merged plan differs from the unsharded plan --json")
	}
}

// planning.md: the table's MEETS gives the verdict of a level its own
// intervals did not settle: undecided, or beyond (a level below holds).
func TestPlanTable_MeetsSaysHowDecided(t *testing.T) {
	r := deskdrill(t, append(shardPlan, "--json")...)
	var rep map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rep); r.code != 0 || err != nil {
		t.Fatalf("exit %d, %v: %s", r.code, err, r.stderr)
	}
	levels := rep["levels"].([]any)
	meets := rep["meets_risk"].([]any)
	for i, v := range []string{"undecided", "beyond", "holds"} {
		levels[i].(map[string]any)["verdict"] = v
		meets[i] = true
	}
	b, _ := json.Marshal(rep)
	table := planTable(t, string(b))
	for _, want := range []string{"yes (undecided)", "yes (beyond: a level below holds)"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}
