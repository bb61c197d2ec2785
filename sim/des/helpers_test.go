package des_test

import (
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim/des"
)

// scenarioModel compiles a built-in scenario. The tests read scenarios
// through package scenarios; the engine itself never does.
func scenarioModel(tb testing.TB, name string) *des.Model {
	tb.Helper()
	s, err := scenarios.LoadScenario(name)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := des.Compile(s)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
