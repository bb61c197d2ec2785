package scenarios_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/deskdrill/deskdrill/scenarios"
)

var fenced = regexp.MustCompile("(?s)```(yaml|csv|text)\n(.*?)```")

// TestDocsImport checks docs/import.md: its map parses, its export gives
// the KPI file the page shows (read as UTF-8 and as GBK), and its error
// examples print what the page shows.
func TestDocsImport(t *testing.T) {
	b, err := os.ReadFile("../docs/import.md")
	if err != nil {
		t.Fatal(err)
	}
	var yamls, csvs, texts []string
	for _, m := range fenced.FindAllStringSubmatch(string(b), -1) {
		switch m[1] {
		case "yaml":
			yamls = append(yamls, m[2])
		case "csv":
			csvs = append(csvs, m[2])
		case "text":
			texts = append(texts, m[2])
		}
	}
	if len(yamls) != 1 || len(csvs) != 3 || len(texts) != 3 {
		t.Fatalf("docs/import.md has %d maps, %d exports and %d outputs; the test reads 1, 3 and 3", len(yamls), len(csvs), len(texts))
	}
	m, err := scenarios.ParseColumnMap("docs/import.md map", []byte(yamls[0]))
	if err != nil {
		t.Fatal(err)
	}
	want, err := scenarios.ParseKPIs("want.csv", []byte(texts[0]))
	if err != nil {
		t.Fatal(err)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(csvs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{csvs[0], gbk} {
		// As kpis --import without --contract reads it: no daily limit,
		// so no share of bad days.
		x, err := scenarios.ReadExport("export.csv", []byte(data), m, scenarios.ExportOptions{DailyLimit: -1})
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Periods) != 1 || x.Periods[0].Period != want[0].Period || len(x.Periods[0].Values) != len(want[0].Values) {
			t.Fatalf("read %+v; the page says %+v", x.Periods, want)
		}
		for id, w := range want[0].Values {
			if g := x.Periods[0].Values[id]; g != w {
				t.Errorf("%s: %s = %v; the page says %v", x.Encoding, id, g, w)
			}
		}
	}
	for i, data := range csvs[1:] {
		_, err := scenarios.ReadExport("export.csv", []byte(data), m, scenarios.ExportOptions{DailyLimit: -1})
		if err == nil || strings.TrimSpace(err.Error()) != strings.TrimSpace(texts[i+1]) {
			t.Errorf("error example %d prints\n%v\nthe page says\n%s", i+1, err, texts[i+1])
		}
	}
}

// TestDocsCalibration: the model file docs/calibration.md shows is one
// simulate and plan read.
func TestDocsCalibration(t *testing.T) {
	b, err := os.ReadFile("../docs/calibration.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := yamlBlock.FindAllStringSubmatch(string(b), -1)
	if len(blocks) != 1 {
		t.Fatalf("docs/calibration.md has %d YAML examples; the test reads 1", len(blocks))
	}
	if _, err := scenarios.ParseAgentModel("docs/calibration.md", []byte(blocks[0][1])); err != nil {
		t.Error(err)
	}
}
