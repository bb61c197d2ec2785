package protocol_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/bench/protocol"
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
