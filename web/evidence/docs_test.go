package evidence_test

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/web/evidence"
)

// docs/trial.md shows seed-trial's trial clause as it is, and its table of
// the pack's files lists exactly the files a pack holds.
func TestDocs_Trial(t *testing.T) {
	b, err := os.ReadFile("../../docs/trial.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	m := regexp.MustCompile("(?s)```yaml\n(trial:.*?)```").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("docs/trial.md shows no trial clause")
	}
	shown, err := scenarios.ParseContract("docs/trial.md", []byte("name: shown\nmonthly_fee: 10000\n"+m[1]))
	if err != nil {
		t.Fatalf("the trial clause of docs/trial.md: %v", err)
	}
	seed, err := scenarios.LoadContract("seed-trial")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(shown.Trial, seed.Trial) {
		t.Errorf("docs/trial.md shows the trial clause %+v; seed-trial's is %+v", shown.Trial, seed.Trial)
	}
	var listed []string
	for _, row := range regexp.MustCompile("(?m)^\\| ((?:`[^`]+`(?:, )?)+) \\|").FindAllStringSubmatch(doc, -1) {
		for _, name := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(row[1], -1) {
			listed = append(listed, name[1])
		}
	}
	want := []string{evidence.StatementJSON, evidence.StatementHTML, evidence.KPIsDaily, evidence.KPIsAgents, evidence.TrialJSON,
		evidence.EvidenceCSV, evidence.Transcripts, evidence.ContractYAML, evidence.ScenarioYAML, evidence.ProfileYAML, evidence.Manifest}
	slices.Sort(listed)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("docs/trial.md lists the pack's files %v; a pack holds %v", listed, want)
	}
}
