package trainer_test

import (
	"os"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/trainer"
)

// TestExamsDoc: the example exam of docs/exams.md parses, with the
// defaults the page states.
func TestExamsDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/exams.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	if !ok {
		t.Fatal("docs/exams.md has no yaml example")
	}
	src, _, _ := strings.Cut(rest, "```")
	e, err := trainer.ParseExam("docs/exams.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Items) != 2 || e.Items[1].Kind != trainer.KindNormal || *e.Pass.MeanScore != 85 || *e.Pass.ReplyRate3Min != 0.98 {
		t.Errorf("%+v", e)
	}
	if e.BandOf(84) != "pass" || e.BandOf(79.99) != "not yet" {
		t.Errorf("bands %v", e.Bands)
	}
	// calm's patience is 3 minutes with two nudges: nudges at 3m and 6m,
	// leaving at 9m, as the page says.
	if it := e.Items[0]; len(it.Nudges) != 2 || it.Nudges[0].Minutes() != 3 || it.Patience.Minutes() != 9 {
		t.Errorf("too-big's nudges %v, patience %v", it.Nudges, it.Patience)
	}
}
