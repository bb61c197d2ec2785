package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocsImportCommand holds docs/import.md's example to the command: its
// export read through its map by `kpis --import` prints exactly the KPI
// file the page shows, and with `--contract seed-tiered` the refunds the
// page states, with the share of bad days in --json's values.
func TestDocsImportCommand(t *testing.T) {
	b, err := os.ReadFile("../../docs/import.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string][]string{}
	for _, m := range regexp.MustCompile("(?s)```(yaml|csv|text)\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		blocks[m[1]] = append(blocks[m[1]], m[2])
	}
	if len(blocks["yaml"]) != 1 || len(blocks["csv"]) < 1 || len(blocks["text"]) < 1 {
		t.Fatalf("docs/import.md: %d maps, %d exports, %d outputs; the test reads the first of each", len(blocks["yaml"]), len(blocks["csv"]), len(blocks["text"]))
	}
	m := writeFile(t, "my-map.yaml", blocks["yaml"][0])
	x := writeFile(t, "export.csv", blocks["csv"][0])
	r := deskdrill(t, "kpis", "--import", x, "--columns", m)
	if r.code != 0 || r.stdout != blocks["text"][0] {
		t.Errorf("kpis --import: exit %d, prints\n%s\nthe page shows\n%s", r.code, r.stdout, blocks["text"][0])
	}
	// The prose: satisfaction 0.896 refunds 11.6 % (1,160.00), 6 timeouts
	// a day on average 30 % (3,000.00), 4,160.00 in all; one of the two
	// days is over 5, a share of 0.5.
	page := string(b)
	for _, s := range []string{"11.6 % (1,160.00)", "30 % (3,000.00)", "**4,160.00**", "`timeout_bad_day_share` 0.5"} {
		if !strings.Contains(page, s) {
			t.Errorf("docs/import.md no longer says %q", s)
		}
	}
	r = deskdrill(t, "kpis", "--import", x, "--columns", m, "--contract", "seed-tiered", "--json")
	var got struct {
		Periods []struct {
			Values map[string]float64 `json:"values"`
		} `json:"periods"`
		Statement statement `json:"statement"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got.Periods) != 1 {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	amounts := map[string]string{}
	for _, it := range got.Statement.Items {
		amounts[it.Clause] = it.Amount.String()
	}
	if got.Statement.Total.String() != "4160.00" || amounts["satisfaction"] != "1160.00" || amounts["response_timeouts"] != "3000.00" ||
		got.Periods[0].Values["timeout_bad_day_share"] != 0.5 {
		t.Errorf("statement %v total %s, share %v; the page says 1160.00 + 3000.00 = 4160.00, share 0.5", amounts, got.Statement.Total, got.Periods[0].Values["timeout_bad_day_share"])
	}
}
