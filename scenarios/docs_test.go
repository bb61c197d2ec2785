package scenarios_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// TestDocsContracts validates every example of docs/contracts.md and checks
// the refund the page predicts on each "# check:" line:
//
//	# check: [period=P | periods=P1,P2] [months=N] id=value ... -> AMOUNT
func TestDocsContracts(t *testing.T) {
	b, err := os.ReadFile("../docs/contracts.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := yamlBlock.FindAllStringSubmatch(string(b), -1)
	if len(blocks) < 10 {
		t.Fatalf("found %d YAML examples in docs/contracts.md; want one per clause kind and rule", len(blocks))
	}
	checks := 0
	for i, m := range blocks {
		src := m[1]
		c, err := scenarios.ParseContract("docs/contracts.md example "+strconv.Itoa(i+1), []byte(src))
		if err != nil {
			t.Errorf("example %d does not validate: %v\n%s", i+1, err, src)
			continue
		}
		for _, line := range strings.Split(src, "\n") {
			spec, ok := strings.CutPrefix(line, "# check: ")
			if !ok {
				continue
			}
			checks++
			lhs, want, ok := strings.Cut(spec, " -> ")
			if !ok {
				t.Fatalf("example %s: check %q lacks ' -> AMOUNT'", c.Name, spec)
			}
			periods := []string{"2026-11"}
			vals := sim.KPIValues{}
			var in sim.RefundInput
			for _, tok := range strings.Fields(lhs) {
				k, v, _ := strings.Cut(tok, "=")
				switch k {
				case "period":
					periods = []string{v}
				case "periods":
					periods = strings.Split(v, ",")
				case "months":
					n, _ := strconv.Atoi(v)
					in.MonthsServed = &n
				default:
					f, err := scenarios.ParseKPIValue(k, v)
					if err != nil {
						t.Fatalf("example %s: %v", c.Name, err)
					}
					vals[k] = f
				}
			}
			if len(vals) > 0 {
				for _, p := range periods {
					in.Periods = append(in.Periods, sim.PeriodKPIs{Period: p, Values: vals})
				}
			}
			st, err := c.Refund(in)
			if err != nil {
				t.Errorf("example %s, check %q: %v", c.Name, spec, err)
				continue
			}
			if st.Total.String() != want {
				t.Errorf("example %s, check %q: the engine says %s", c.Name, spec, st.Total)
			}
		}
	}
	if checks < len(blocks) {
		t.Errorf("%d checks for %d examples: every example states its refund", checks, len(blocks))
	}
}
