package protocol_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/sim"
)

// TestDocsExamples: every frame shown in docs/protocol.md is valid, so the
// page someone writes a client from cannot drift from the code. Frames a
// client sends must pass Decode on their endpoint; frames the hub sends
// must carry the version, a type and the hub's clock.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	section, n := "", 0
	inJSON := false
	for i, line := range strings.Split(string(doc), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		case line == "```json":
			inJSON = true
		case line == "```":
			inJSON = false
		case inJSON && strings.TrimSpace(line) != "":
			n++
			var f protocol.Frame
			if err := json.Unmarshal([]byte(line), &f); err != nil {
				t.Errorf("protocol.md:%d: %v", i+1, err)
				continue
			}
			switch section {
			case "Agent → hub":
				if _, err := protocol.Decode([]byte(line), protocol.FromAgent); err != nil {
					t.Errorf("protocol.md:%d: an agent's frame is refused: %v", i+1, err)
				}
			case "Customer → hub":
				if _, err := protocol.Decode([]byte(line), protocol.FromCustomer); err != nil {
					t.Errorf("protocol.md:%d: a customer's frame is refused: %v", i+1, err)
				}
			default:
				if f.V != protocol.Version || f.Type == "" || f.At == nil {
					t.Errorf("protocol.md:%d: a hub frame needs v, type and at: %s", i+1, line)
				}
			}
		}
	}
	if n < 30 {
		t.Errorf("found %d example frames; the page shows every message", n)
	}
}

// docSection returns the lines of docs/protocol.md under the "## "
// heading title, up to the next one.
func docSection(t *testing.T, title string) []string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in := false
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "## ") {
			in = strings.TrimPrefix(line, "## ") == title
			continue
		}
		if in {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		t.Fatalf("protocol.md has no section %q", title)
	}
	return out
}

var backticked = regexp.MustCompile("`([^`]+)`")

// TestDocsHubTypes: the "Hub → agent" and "Hub → customer" tables list
// exactly the frame types the hub sends each endpoint (HubTypes), which
// the hub's tests walk for the hidden truth.
func TestDocsHubTypes(t *testing.T) {
	for _, tc := range []struct {
		section string
		to      protocol.Role
	}{{"Hub → agent", protocol.FromAgent}, {"Hub → customer", protocol.FromCustomer}} {
		var listed []string
		table := false
		for _, line := range docSection(t, tc.section) {
			switch {
			case strings.HasPrefix(line, "| type |"):
				table = true
			case table && strings.HasPrefix(line, "| `"):
				first := strings.Split(line, "|")[1]
				for _, m := range backticked.FindAllStringSubmatch(first, -1) {
					listed = append(listed, m[1])
				}
			case table && !strings.HasPrefix(line, "|"):
				table = false
			}
		}
		want := protocol.HubTypes(tc.to)
		slices.Sort(listed)
		slices.Sort(want)
		if !slices.Equal(listed, want) {
			t.Errorf("protocol.md %q lists %v; the hub sends %v", tc.section, listed, want)
		}
	}
}

// TestDocsCasesAndPersonas: the case ids and default personas a customer's
// start may name are listed as the model has them.
func TestDocsCasesAndPersonas(t *testing.T) {
	text := strings.Join(docSection(t, "Customer → hub"), " ")
	cases, rest, ok := strings.Cut(text, "`persona`, when given")
	if !ok {
		t.Fatal("protocol.md: the paragraph on case and persona is gone")
	}
	_, cases, _ = strings.Cut(cases, "`case`, when given, is one of the decision table's ids:")
	cases, _, _ = strings.Cut(cases, "(")
	var ids []string
	for _, m := range backticked.FindAllStringSubmatch(cases, -1) {
		ids = append(ids, m[1])
	}
	if want := sim.CaseIDs(); !slices.Equal(ids, want) {
		t.Errorf("protocol.md lists the cases %v; want %v", ids, want)
	}
	_, personas, _ := strings.Cut(rest, "names none has")
	personas, _, _ = strings.Cut(personas, ".")
	var names []string
	for _, m := range backticked.FindAllStringSubmatch(personas, -1) {
		names = append(names, m[1])
	}
	var want []string
	for _, p := range sim.DefaultPersonas() {
		want = append(want, p.Name)
	}
	if !slices.Equal(names, want) {
		t.Errorf("protocol.md lists the default personas %v; want %v", names, want)
	}
}
