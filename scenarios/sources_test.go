package scenarios_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
)

// A scenario's sources are the bytes it was read from; parsing them gives
// the same scenario even after the files changed on disk.
func TestLoadScenarioSources(t *testing.T) {
	t.Run("built-in", func(t *testing.T) {
		sc, srcs, err := scenarios.LoadScenarioSources("trial-2w")
		if err != nil {
			t.Fatal(err)
		}
		scen, _ := scenarios.ScenarioSource("trial-2w")
		con, _ := scenarios.ContractSource("seed-trial")
		prof, _ := scenarios.ProfileSource("taobao")
		want := []scenarios.Source{
			{Role: "scenario", Name: "trial-2w", Origin: "builtin", Data: scen},
			{Role: "contract", Name: "seed-trial", Origin: "builtin", Data: con},
			{Role: "profile", Name: "taobao", Origin: "builtin", Data: prof},
		}
		same(t, srcs, want)
		again, err := scenarios.ParseScenarioSources(srcs)
		if err != nil || again.Name != sc.Name || again.Contract.Contract.Trial.Fee != sc.Contract.Contract.Trial.Fee {
			t.Errorf("ParseScenarioSources = %v, %v; want trial-2w again", again, err)
		}
	})
	t.Run("files", func(t *testing.T) {
		dir := t.TempDir()
		scen := []byte("name: mine\nstart: 2026-03-02T00:00\nduration: 3d\nstore: {paid_orders_per_day: 1000, contacts_per_order: 0.2}\ncontract: terms.yaml\n")
		con := []byte("name: terms\nmonthly_fee: 8000\ntrial:\n  weeks: 1\n  fee: 2000\n  gates:\n    - {kpi: satisfaction, target: 0.9}\n")
		write(t, filepath.Join(dir, "mine.yaml"), scen)
		write(t, filepath.Join(dir, "terms.yaml"), con)
		_, srcs, err := scenarios.LoadScenarioSources(filepath.Join(dir, "mine.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		prof, _ := scenarios.ProfileSource("taobao")
		same(t, srcs, []scenarios.Source{
			{Role: "scenario", Name: filepath.Join(dir, "mine.yaml"), Origin: "file", Data: scen},
			{Role: "contract", Name: "terms.yaml", Origin: "file", Data: con},
			{Role: "profile", Name: "taobao", Origin: "builtin", Data: prof},
		})
		// The contract changes on disk; the run's sources still hold the
		// one it ran under.
		write(t, filepath.Join(dir, "terms.yaml"), bytes.Replace(con, []byte("fee: 2000"), []byte("fee: 9999"), 1))
		sc, err := scenarios.ParseScenarioSources(srcs)
		if err != nil {
			t.Fatal(err)
		}
		if got := sc.Contract.Contract.Trial.Fee; got != 2000_00 {
			t.Errorf("trial fee %s; want 2000.00 from the sources, not the changed file", got)
		}
	})
	t.Run("inline contract", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "inline.yaml")
		write(t, p, []byte("name: inline\nstart: 2026-03-02T00:00\nduration: 3d\nstore: {paid_orders_per_day: 1000, contacts_per_order: 0.2}\n"+
			"contract:\n  name: saturday-trial\n  monthly_fee: 8000\n  trial:\n    weeks: 1\n    fee: 2000\n    gates:\n      - {kpi: satisfaction, target: 0.9}\n"))
		sc, srcs, err := scenarios.LoadScenarioSources(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(srcs) != 3 || srcs[1].Role != "contract" || srcs[1].Origin != "inline" {
			t.Fatalf("sources %v; want the scenario, the inline contract, the profile", srcs)
		}
		c, err := scenarios.ParseContract("contract.yaml", srcs[1].Data)
		if err != nil {
			t.Fatalf("the inline contract on its own: %v\n%s", err, srcs[1].Data)
		}
		if c.Name != "saturday-trial" || c.Trial.Fee != sc.Contract.Contract.Trial.Fee || c.MonthlyFee != sc.Contract.Contract.MonthlyFee {
			t.Errorf("contract %+v; want the scenario's", c)
		}
	})
}

func same(t *testing.T, got, want []scenarios.Source) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d sources; want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].Role != want[i].Role || got[i].Name != want[i].Name || got[i].Origin != want[i].Origin || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Errorf("source %d: %s %s %s (%d bytes); want %s %s %s (%d bytes)", i, got[i].Role, got[i].Name, got[i].Origin, len(got[i].Data),
				want[i].Role, want[i].Name, want[i].Origin, len(want[i].Data))
		}
	}
}

func write(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
