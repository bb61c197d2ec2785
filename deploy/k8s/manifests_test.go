// Package k8s holds deskdrill's Kubernetes manifests (the YAML files
// beside this one) and the tests that check them: every document decodes
// strictly into its k8s.io/api type, the Indexed Jobs give each pod its
// shard, and the Dockerfile builds a static binary run by a non-root
// user. docs/distributed.md walks through them.
package k8s

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/deskdrill/deskdrill/bench/drill"
	"github.com/deskdrill/deskdrill/bench/load"
)

// object is one decoded manifest document.
type object struct {
	file string
	kind string
	name string
	v    any
}

// decode reads every document of every manifest strictly: YAML to JSON,
// then encoding/json with DisallowUnknownFields into the k8s.io/api type
// of its kind, so that a misspelt or misplaced field is an error.
func decode(t *testing.T) []object {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	var out []object
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			js, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			var meta struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal(js, &meta); err != nil {
				t.Fatal(err)
			}
			var v any
			switch meta.APIVersion + " " + meta.Kind {
			case "v1 Namespace":
				v = &corev1.Namespace{}
			case "v1 PersistentVolumeClaim":
				v = &corev1.PersistentVolumeClaim{}
			case "v1 Service":
				v = &corev1.Service{}
			case "v1 ConfigMap":
				v = &corev1.ConfigMap{}
			case "apps/v1 Deployment":
				v = &appsv1.Deployment{}
			case "batch/v1 Job":
				v = &batchv1.Job{}
			default:
				t.Fatalf("%s document %d: %s %s: not a kind these tests know", f, i, meta.APIVersion, meta.Kind)
			}
			dec := json.NewDecoder(bytes.NewReader(js))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Errorf("%s document %d (%s %s): %v", f, i, meta.Kind, meta.Metadata.Name, err)
				continue
			}
			out = append(out, object{file: f, kind: meta.Kind, name: meta.Metadata.Name, v: v})
		}
	}
	return out
}

func stripComments(doc string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

func find[T any](t *testing.T, objs []object, kind, name string) *T {
	t.Helper()
	for _, o := range objs {
		if o.kind == kind && o.name == name {
			return o.v.(*T)
		}
	}
	t.Fatalf("no %s %s in the manifests", kind, name)
	return nil
}

// Every document decodes strictly, in the namespace deskdrill.
func TestManifests_DecodeStrictly(t *testing.T) {
	objs := decode(t)
	for _, o := range objs {
		var ns string
		switch v := o.v.(type) {
		case *corev1.Namespace:
			continue
		case *corev1.PersistentVolumeClaim:
			ns = v.Namespace
		case *corev1.Service:
			ns = v.Namespace
		case *corev1.ConfigMap:
			ns = v.Namespace
		case *appsv1.Deployment:
			ns = v.Namespace
		case *batchv1.Job:
			ns = v.Namespace
		}
		if ns != "deskdrill" {
			t.Errorf("%s %s: namespace %q; want deskdrill", o.kind, o.name, ns)
		}
	}
	// A field Kubernetes does not know fails: the check can fail.
	js, _ := yaml.YAMLToJSON([]byte("apiVersion: batch/v1\nkind: Job\nspec:\n  completionMod: Indexed\n"))
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&batchv1.Job{}); err == nil {
		t.Error("completionMod decoded; want an unknown-field error")
	}
}

// The hub: one replica replaced by Recreate (SQLite serves one process
// per file), its file on the claim, its port behind the Service, ready by
// /healthz, run as non-root.
func TestManifests_Hub(t *testing.T) {
	objs := decode(t)
	d := find[appsv1.Deployment](t, objs, "Deployment", "deskdrill-hub")
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %v, strategy %q; want 1 and Recreate", d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"serve", "--addr=0.0.0.0:8080", "--db=/data/deskdrill.db", "--customers=external", "--bots=0"} {
		if !strings.Contains(args, want) {
			t.Errorf("hub args %q; want %q", args, want)
		}
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("readiness probe %+v; want GET /healthz", c.ReadinessProbe)
	}
	claims := map[string]string{}
	for _, v := range pod.Volumes {
		if v.PersistentVolumeClaim != nil {
			claims[v.Name] = v.PersistentVolumeClaim.ClaimName
		}
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		if m.MountPath == "/data" && claims[m.Name] != "" {
			find[corev1.PersistentVolumeClaim](t, objs, "PersistentVolumeClaim", claims[m.Name])
			mounted = true
		}
	}
	if !mounted {
		t.Error("no claim mounted at /data, where --db is")
	}
	checkNonRoot(t, "hub", pod)
	svc := find[corev1.Service](t, objs, "Service", "deskdrill-hub")
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the Service selects %s=%s; the hub's pods are labelled %v", k, v, d.Spec.Template.Labels)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8080 {
		t.Errorf("service ports %+v; want 8080", svc.Spec.Ports)
	}
}

func checkNonRoot(t *testing.T, what string, pod corev1.PodSpec) {
	t.Helper()
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("%s: pod security context %+v; want runAsNonRoot and a non-zero runAsUser", what, sc)
	}
}

// shardArg finds "$(JOB_COMPLETION_INDEX)/N" in args and returns N.
func shardArg(args []string) (int, bool) {
	for i, a := range args {
		if a == "--shard" && i+1 < len(args) {
			if n, ok := strings.CutPrefix(args[i+1], "$(JOB_COMPLETION_INDEX)/"); ok {
				v, err := strconv.Atoi(n)
				return v, err == nil
			}
		}
	}
	return 0, false
}

// The drill and the plan are Indexed Jobs: N completions, all at once,
// pod i given --shard i/N by Kubernetes, each writing its part to the
// shared results volume under its index, which the merge Jobs read.
func TestManifests_IndexedJobs(t *testing.T) {
	objs := decode(t)
	for _, tc := range []struct {
		job, merge string
		part       *regexp.Regexp // the part a pod writes
	}{
		{"deskdrill-drill", "deskdrill-drill-merge", regexp.MustCompile(`^/results/drill-\$\(JOB_COMPLETION_INDEX\)\.json$`)},
		{"deskdrill-plan", "deskdrill-plan-merge", regexp.MustCompile(`^/results/plan-\$\(JOB_COMPLETION_INDEX\)$`)},
	} {
		j := find[batchv1.Job](t, objs, "Job", tc.job)
		if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion {
			t.Errorf("%s: completionMode %v; want Indexed", tc.job, j.Spec.CompletionMode)
		}
		c := j.Spec.Template.Spec.Containers[0]
		n, ok := shardArg(c.Args)
		if !ok || j.Spec.Completions == nil || int(*j.Spec.Completions) != n || j.Spec.Parallelism == nil || int(*j.Spec.Parallelism) != n {
			t.Errorf("%s: --shard $(JOB_COMPLETION_INDEX)/%d, %s completions, %s at once; want the same N everywhere", tc.job, n, count(j.Spec.Completions), count(j.Spec.Parallelism))
		}
		if !slices.ContainsFunc(c.Args, tc.part.MatchString) {
			t.Errorf("%s: args %q; want a part written as %s", tc.job, c.Args, tc.part)
		}
		if j.Spec.BackoffLimit == nil || *j.Spec.BackoffLimit != 0 || j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("%s: a failed shard must not be run again later (backoffLimit 0, restartPolicy Never)", tc.job)
		}
		checkNonRoot(t, tc.job, j.Spec.Template.Spec)
		m := find[batchv1.Job](t, objs, "Job", tc.merge)
		if got, want := claimAt(m.Spec.Template.Spec, "/results"), claimAt(j.Spec.Template.Spec, "/results"); got == "" || got != want {
			t.Errorf("%s reads /results from claim %q; %s writes to %q", tc.merge, got, tc.job, want)
		}
		args := m.Spec.Template.Spec.Containers[0].Args
		if len(args) == 0 || args[0] != "merge" {
			t.Errorf("%s: args %q; want deskdrill merge", tc.merge, args)
		}
		// What the merge reads: its arguments that are not flags or flags'
		// values; the drill's is a pattern deskdrill merge expands itself.
		var inputs []string
		for i := 1; i < len(args); i++ {
			if strings.HasPrefix(args[i], "--") {
				if !strings.Contains(args[i], "=") && (args[i] == "--summary" || args[i] == "--html") {
					i++ // the flag's value
				}
				continue
			}
			inputs = append(inputs, args[i])
		}
		if tc.job == "deskdrill-plan" {
			var want []string
			for i := range n {
				want = append(want, fmt.Sprintf("/results/plan-%d", i))
			}
			if !slices.Equal(inputs, want) {
				t.Errorf("%s merges %q; want every part, %q", tc.merge, inputs, want)
			}
		} else {
			// Every part a pod writes (its args with the index put in),
			// and nothing else of /results the merge writes itself, is
			// matched by the merge's patterns.
			written := map[string]bool{}
			for i := range n {
				for _, a := range c.Args {
					if tc.part.MatchString(a) {
						written[strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", fmt.Sprint(i))] = true
					}
				}
			}
			for _, a := range args {
				if strings.HasPrefix(a, "/results/") && !slices.Contains(inputs, a) {
					written[a] = false // the merge's own outputs
				}
			}
			for path, part := range written {
				matched := slices.ContainsFunc(inputs, func(p string) bool { ok, _ := filepath.Match(p, path); return ok })
				if matched != part {
					t.Errorf("%s reads %q: matches %s: %v; want %v (a part a shard writes must be read, the merge's own output must not)", tc.merge, inputs, path, matched, part)
				}
			}
			if len(written) == 0 || len(inputs) == 0 {
				t.Errorf("%s reads %q; want the parts the shards write", tc.merge, inputs)
			}
		}
	}
	// The drill's file is in its ConfigMap, mounted where its args read it,
	// and it reads as a drill (its ${...} from the pod's env).
	j := find[batchv1.Job](t, objs, "Job", "deskdrill-drill")
	cm := find[corev1.ConfigMap](t, objs, "ConfigMap", "deskdrill-drill")
	c := j.Spec.Template.Spec.Containers[0]
	env := map[string]bool{}
	for _, e := range c.Env {
		env[e.Name] = true
	}
	f, err := drill.Parse("drill.yaml", []byte(cm.Data["drill.yaml"]), func(name string) (string, bool) { return "ws://x:1", env[name] })
	if err != nil {
		t.Fatalf("the ConfigMap's drill: %v", err)
	}
	cfg, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := shardArg(c.Args)
	cfg.Shard = load.Shard{Index: n - 1, Of: n}
	if _, err := load.New(cfg); err != nil {
		t.Errorf("the engine refuses the ConfigMap's drill: %v", err)
	}
	if c.Args[1] != "/etc/deskdrill/drill.yaml" || !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/etc/deskdrill" }) {
		t.Errorf("args %q, mounts %+v; want the ConfigMap mounted at /etc/deskdrill", c.Args, c.VolumeMounts)
	}
}

// count prints a count of a Job's spec: its value, or "no".
func count(p *int32) string {
	if p == nil {
		return "no"
	}
	return fmt.Sprint(*p)
}

// claimAt returns the claim mounted at path in pod, or "".
func claimAt(pod corev1.PodSpec, path string) string {
	c := pod.Containers[0]
	for _, m := range c.VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.PersistentVolumeClaim != nil {
				return v.PersistentVolumeClaim.ClaimName
			}
		}
	}
	return ""
}

// dockerfile is a Dockerfile's instructions, line continuations joined.
type instruction struct {
	cmd, args string
	line      int
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	sc := bufio.NewScanner(f)
	var cur strings.Builder
	start, n := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if s, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args), start})
		cur.Reset()
	}
	return out
}

// The image: deskdrill built static (CGO_ENABLED=0) in a build stage,
// copied into a final stage that runs as a non-root user.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "../Dockerfile")
	var stages [][]instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("line %d: %s before FROM", in.line, in.cmd)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages; want a build stage and a final one", len(stages))
	}
	static := false
	for _, st := range stages[:len(stages)-1] {
		for _, in := range st {
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") && strings.Contains(in.args, "./cmd/deskdrill") &&
				regexp.MustCompile(`(^|\s)CGO_ENABLED=0(\s|$)`).MatchString(in.args) {
				static = true
			}
		}
	}
	if !static {
		t.Error("no RUN CGO_ENABLED=0 go build ./cmd/deskdrill in a build stage: the binary must be static")
	}
	final := stages[len(stages)-1]
	var user string
	copied := false
	for _, in := range final {
		switch in.cmd {
		case "USER":
			user = in.args
		case "COPY":
			copied = copied || strings.Contains(in.args, "--from=") && strings.Contains(in.args, "deskdrill")
		}
	}
	name, _, _ := strings.Cut(user, ":")
	if user == "" || name == "root" || name == "0" {
		t.Errorf("the final stage runs as %q; want a non-root USER", user)
	}
	if !copied {
		t.Error("the final stage does not copy deskdrill from the build stage")
	}
	if uid, err := strconv.Atoi(name); err == nil {
		// The manifests run as the same user.
		for _, o := range decode(t) {
			var pod *corev1.PodSpec
			switch v := o.v.(type) {
			case *appsv1.Deployment:
				pod = &v.Spec.Template.Spec
			case *batchv1.Job:
				pod = &v.Spec.Template.Spec
			default:
				continue
			}
			if u := pod.SecurityContext.RunAsUser; u == nil || int(*u) != uid {
				t.Errorf("%s %s runs as %v; the image's user is %d", o.kind, o.name, u, uid)
			}
		}
	}
}
