//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"
)

// jobManifest reads the Job named name from a manifest of deploy/k8s.
func jobManifest(t *testing.T, file, name string) *batchv1.Job {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "k8s", file))
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		var j batchv1.Job
		if err := json.Unmarshal(js, &j); err != nil {
			t.Fatal(err)
		}
		if j.Kind == "Job" && j.Name == name {
			return &j
		}
	}
	t.Fatalf("no Job %s in %s", name, file)
	return nil
}

// pod is one pod of a Job run here as Kubernetes would run it: its env
// (literal values, secrets from the map given, JOB_COMPLETION_INDEX for
// an Indexed Job's), its args with $(VAR) expanded from that env as the
// kubelet expands them, and its volume mounts mapped to directories.
type pod struct {
	env  map[string]string
	args []string
}

func podOf(t *testing.T, j *batchv1.Job, index int, secrets map[string]string, env map[string]string, mounts map[string]string) pod {
	t.Helper()
	c := j.Spec.Template.Spec.Containers[0]
	p := pod{env: map[string]string{}}
	if j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion {
		p.env["JOB_COMPLETION_INDEX"] = strconv.Itoa(index)
	}
	for _, e := range c.Env {
		switch {
		case env[e.Name] != "":
			p.env[e.Name] = env[e.Name] // the Service's address, here
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v, ok := secrets[ref.Name+"/"+ref.Key]
			if !ok {
				t.Fatalf("the pod reads secret %s key %s, which the test does not have", ref.Name, ref.Key)
			}
			p.env[e.Name] = v
		default:
			p.env[e.Name] = e.Value
		}
	}
	for _, m := range c.VolumeMounts {
		if mounts[m.MountPath] == "" {
			t.Fatalf("the pod mounts %s, which the test does not map", m.MountPath)
		}
	}
	for _, a := range c.Args {
		a = expandK8s(a, p.env)
		for from, to := range mounts {
			if rest, ok := strings.CutPrefix(a, from); ok && (rest == "" || rest[0] == '/') {
				a = to + rest
			}
		}
		p.args = append(p.args, a)
	}
	return p
}

// expandK8s expands $(VAR) as the kubelet does in command and args: a
// variable the container defines is replaced, $$ is a $, anything else
// stays as written.
func expandK8s(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) {
			switch s[i+1] {
			case '$':
				b.WriteByte('$')
				i++
				continue
			case '(':
				if end := strings.IndexByte(s[i:], ')'); end > 0 {
					if v, ok := env[s[i+2:i+end]]; ok {
						b.WriteString(v)
						i += end
						continue
					}
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// runPod runs the pod's command in a child process (the test binary as
// deskdrill) with its env, and returns its exit code and output.
func runPod(t *testing.T, p pod) (int, string, string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
	line, _ := json.Marshal(p.args)
	cmd.Env = append(os.Environ(), serveChildEnv+"="+string(line))
	for k, v := range p.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// The drill's Indexed Job, run here as Kubernetes runs it: a process per
// index with JOB_COMPLETION_INDEX set and the manifest's args, env and
// mounts, all at once against one hub; then the merge Job's args. The
// merged drill equals the drill run unsharded on a hub of its own.
func TestIndexedJob_Drill(t *testing.T) {
	job := jobManifest(t, "drill-job.yaml", "deskdrill-drill")
	merge := jobManifest(t, "drill-merge-job.yaml", "deskdrill-drill-merge")
	n := int(*job.Spec.Completions)
	etc, results := t.TempDir(), t.TempDir()
	mounts := map[string]string{"/etc/deskdrill": etc, "/results": results}
	// The drill file the ConfigMap would hold, small: the manifest's env
	// names, 20 customers, 8 agents, 100 messages.
	drillYAML := "name: indexed\nhub: ${DESKDRILL_HUB}\ntokens:\n  customer: ${DESKDRILL_CUSTOMER_TOKEN}\n  agent: ${DESKDRILL_AGENT_TOKEN}\n  viewer: ${DESKDRILL_VIEWER_TOKEN}\n" +
		"customers: {count: 20}\nagents: {count: 8}\nstages: [{duration: 1s, from: 100/s, rate: 100/s}]\ninterval: 250ms\n" +
		"thresholds:\n  - expr: sent == 100\n  - expr: dropped == 0\n"
	if err := os.WriteFile(filepath.Join(etc, "drill.yaml"), []byte(drillYAML), 0o644); err != nil {
		t.Fatal(err)
	}

	hub := drillHub(t)
	secrets := map[string]string{"deskdrill-drill-tokens/customer": hub.customer, "deskdrill-drill-tokens/agent": hub.agent, "deskdrill-drill-tokens/viewer": hub.viewer}
	env := map[string]string{"DESKDRILL_HUB": hub.base}
	var wg sync.WaitGroup
	codes := make([]int, n)
	outs := make([]string, n)
	for i := range n {
		p := podOf(t, job, i, secrets, env, mounts)
		if want := fmt.Sprintf("%d/%d", i, n); !strings.Contains(strings.Join(p.args, " "), "--shard "+want) {
			t.Fatalf("pod %d args %q; want --shard %s", i, p.args, want)
		}
		wg.Go(func() {
			var stderr string
			codes[i], outs[i], stderr = runPod(t, p)
			outs[i] += stderr
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != 0 {
			t.Fatalf("pod %d exited %d:\n%s", i, c, outs[i])
		}
		if _, err := os.Stat(filepath.Join(results, fmt.Sprintf("drill-%d.json", i))); err != nil {
			t.Fatalf("pod %d wrote no summary: %v", i, err)
		}
	}
	mp := podOf(t, merge, 0, secrets, env, mounts)
	if code, out, errs := runPod(t, mp); code != 0 {
		t.Fatalf("merge %q exited %d:\n%s%s", mp.args, code, out, errs)
	}
	merged := readSummary(t, filepath.Join(results, "drill.json"))
	if _, err := os.Stat(filepath.Join(results, "drill.html")); err != nil {
		t.Errorf("the merge wrote no report: %v", err)
	}

	// The same drill, unsharded, on a hub of its own.
	drillHub(t) // sets DRILL_*
	t.Setenv("DESKDRILL_HUB", os.Getenv("DRILL_HUB"))
	t.Setenv("DESKDRILL_CUSTOMER_TOKEN", os.Getenv("DRILL_CUSTOMER"))
	t.Setenv("DESKDRILL_AGENT_TOKEN", os.Getenv("DRILL_AGENT"))
	t.Setenv("DESKDRILL_VIEWER_TOKEN", os.Getenv("DRILL_VIEWER"))
	wholeFile := filepath.Join(t.TempDir(), "whole.json")
	if r := deskdrill(t, "drill", filepath.Join(etc, "drill.yaml"), "--summary", wholeFile); r.code != 0 {
		t.Fatalf("unsharded drill exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	whole := readSummary(t, wholeFile)
	for _, c := range []struct {
		name          string
		merged, whole uint64
	}{
		{"sent", merged.Sent, whole.Sent}, {"delivered", merged.Delivered, whole.Delivered}, {"echoed", merged.Echoed, whole.Echoed},
		{"received", merged.Received, whole.Received}, {"relayed", merged.Relayed, whole.Relayed}, {"dropped", merged.Dropped, whole.Dropped},
		{"customers", uint64(merged.Customers), uint64(whole.Customers)}, {"agents", uint64(merged.Agents), uint64(whole.Agents)},
		{"round trips", uint64(merged.RTT.N), uint64(whole.RTT.N)},
	} {
		if c.merged != c.whole {
			t.Errorf("%s: the Indexed Job's merged drill %d; the unsharded drill %d", c.name, c.merged, c.whole)
		}
	}
	if len(merged.Shards) != n || whole.Sent != 100 || len(merged.FailedThresholds()) != 0 {
		t.Errorf("merged: %d shards, thresholds %+v; unsharded sent %d; want %d shards, the thresholds held, 100 sent", len(merged.Shards), merged.Thresholds, whole.Sent, n)
	}
}

// The planner's Indexed Job, run here as Kubernetes runs it, then its
// merge: the merged plan's JSON is the unsharded plan's, exactly. It
// needs plan --shard, which the planner's build adds.
func TestIndexedJob_Plan(t *testing.T) {
	if newPlanCmd().Flags().Lookup("shard") == nil {
		t.Skip("plan --shard is not in this build (the planner's shards come with it)")
	}
	job := jobManifest(t, "plan-job.yaml", "deskdrill-plan")
	merge := jobManifest(t, "plan-merge-job.yaml", "deskdrill-plan-merge")
	n := int(*job.Spec.Completions)
	results := t.TempDir()
	mounts := map[string]string{"/results": results}
	// A small plan: the manifest's args with fewer replications.
	small := func(p pod) pod {
		for i := range p.args {
			if i > 0 && p.args[i-1] == "--reps" {
				p.args[i] = "8"
			}
			if i > 0 && p.args[i-1] == "--scenario" {
				p.args[i] = "steady-day"
			}
		}
		return p
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		p := small(podOf(t, job, i, nil, nil, mounts))
		wg.Go(func() { codes[i], _, _ = runPod(t, p) })
	}
	wg.Wait()
	for i, c := range codes {
		if c != 0 {
			t.Fatalf("plan pod %d exited %d", i, c)
		}
	}
	code, merged, errs := runPod(t, podOf(t, merge, 0, nil, nil, mounts))
	if code != 0 {
		t.Fatalf("plan merge exited %d: %s", code, errs)
	}
	// The unsharded plan: the manifest's args without --shard and --out.
	var args []string
	p := small(podOf(t, job, 0, nil, nil, mounts))
	for i := 0; i < len(p.args); i++ {
		if p.args[i] == "--shard" || p.args[i] == "--out" {
			i++
			continue
		}
		args = append(args, p.args[i])
	}
	r := deskdrill(t, append(args, "--json")...)
	if r.code != 0 {
		t.Fatalf("unsharded plan exited %d: %s", r.code, r.stderr)
	}
	if merged != r.stdout {
		t.Errorf("the merged plan's JSON differs from the unsharded plan's")
	}
}
