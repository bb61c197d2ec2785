package scenarios_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

func TestParseAgentModel_Example(t *testing.T) {
	f, err := scenarios.LoadAgentModel(filepath.Join("testdata", "agentmodels", "vendor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := f.Agent
	if f.Conversations != 20412 || f.Source == "" || m.HandleTime.Mean != 7*time.Minute+12500*time.Millisecond ||
		m.FirstReply.CV != 0.74 || m.Reply == nil || m.Reply.Mean != 24*time.Second || m.Rounds != 4.6 || m.EscalationWork != 3*time.Minute || m.Accuracy != 0.88 || m.UnansweredClose != 0.04 ||
		!reflect.DeepEqual(m.Capacity, []float64{1, 1.55, 2.1}) || *m.Cases["quality_defect"].Accuracy != 0.81 ||
		m.Cases["quality_defect"].HandleTime != nil || m.Cases["presales_question"].HandleTime.Mean != 220*time.Second {
		t.Errorf("read %+v", m)
	}
}

// A model file leaves out what it does not know; the defaults of the
// scenario format's agent section stand.
func TestParseAgentModel_Defaults(t *testing.T) {
	f, err := scenarios.ParseAgentModel("m.yaml", []byte("agent:\n  accuracy: 0.8\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := sim.DefaultAgentModel()
	want.Accuracy = 0.8
	if !reflect.DeepEqual(f.Agent, want) {
		t.Errorf("got %+v; want the default agent with accuracy 0.8", f.Agent)
	}
}

func TestParseAgentModel_Errors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"empty", "", []string{"m.yaml: the file is empty"}},
		{"no agent", "source: x\n", []string{"m.yaml:1:1: agent: is required"}},
		{"unknown field", "agent:\n  acuracy: 0.9\n", []string{"m.yaml:2:3: agent.acuracy: unknown field \"acuracy\""}},
		{"falling capacity", "agent:\n  capacity: [1, 1.7, 1.2]\n", []string{"m.yaml:2:22: agent.capacity[2]: 1.2 is below the capacity with one chat fewer"}},
		{"unknown case", "agent:\n  cases:\n    refund: {accuracy: 0.9}\n", []string{"m.yaml:3:13: agent.cases.refund: unknown case \"refund\""}},
		{"bad accuracy and type", "conversations: many\nagent:\n  accuracy: 1.5\n",
			[]string{"m.yaml:1:16: conversations: want a whole number", "m.yaml:3:13: agent.accuracy"}},
		{"a scenario by mistake", "name: steady-day\nagent: {}\n", []string{"m.yaml:1:1: name: unknown field \"name\" (known fields here: agent, conversations, source)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.ParseAgentModel("m.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, scenarios.ErrBadInput) {
				t.Errorf("%v: not bad input", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want it to contain %q", err, w)
				}
			}
		})
	}
}

// What WriteAgentModel writes reads back to the same model.
func TestWriteAgentModel_RoundTrip(t *testing.T) {
	f, err := scenarios.LoadAgentModel(filepath.Join("testdata", "agentmodels", "vendor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f.Agent.HandleTime.Mean = 6*time.Minute + 3767*time.Millisecond
	f.Source = "chats \"march\".jsonl: 中文"
	var b bytes.Buffer
	if err := scenarios.WriteAgentModel(&b, f, []string{"capacity[3] is held to 3"}); err != nil {
		t.Fatal(err)
	}
	back, err := scenarios.ParseAgentModel("back.yaml", b.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if !reflect.DeepEqual(back, f) {
		t.Errorf("read back %+v\nwant %+v\n%s", back.Agent, f.Agent, b.String())
	}
	if !strings.Contains(b.String(), "# note: capacity[3] is held to 3") {
		t.Errorf("the notes are not in the file:\n%s", b.String())
	}
}

func TestApplyAgentModel_ExtendsCapacity(t *testing.T) {
	s := mustScenario(t, "steady-day") // concurrency 3, capacity [1, 1.7, 2.5, 2.9, 3.5]
	m := sim.DefaultAgentModel()
	m.Capacity = []float64{1, 1.5}
	notes := scenarios.ApplyAgentModel(s, m)
	// 1.5 × 2.5 ÷ 1.7 = 2.2059
	if got := s.Agent.Capacity; len(got) != 3 || got[0] != 1 || got[1] != 1.5 || got[2] < 2.2058 || got[2] > 2.206 {
		t.Errorf("capacity %v; want [1 1.5 2.2059]", got)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "covers 2 chats") {
		t.Errorf("notes %q", notes)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	if len(m.Capacity) != 2 {
		t.Errorf("the model's own curve changed: %v", m.Capacity)
	}
}

// FuzzParseAgentModel: no input panics the decoder, every error is a
// positioned bad-input error, and an accepted model is valid and writes
// back to itself.
func FuzzParseAgentModel(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "agentmodels", "vendor.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("agent:\n  capacity: [1, 2, 3.5]\n"))
	f.Add([]byte("agent: {first_reply: 20s, cases: {presales_question: {accuracy: 1}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := scenarios.ParseAgentModel("fuzz.yaml", data)
		badInputOnly(t, err)
		if err != nil {
			return
		}
		if err := m.Agent.Validate(); err != nil {
			t.Fatalf("an accepted model fails Validate: %v", err)
		}
		var out bytes.Buffer
		if err := scenarios.WriteAgentModel(&out, m, nil); err != nil {
			t.Fatalf("an accepted model does not write: %v", err)
		}
		if _, err := scenarios.ParseAgentModel("back.yaml", out.Bytes()); err != nil {
			t.Fatalf("what was written does not read back: %v\n%s", err, out.String())
		}
	})
}
