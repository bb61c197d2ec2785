package webtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deskdrill/deskdrill/scenarios"
)

// TrialLite writes into dir a copy of the built-in trial-2w named
// trial-2w-lite with the store's paid orders per day set to paidPerDay
// (12,000 in trial-2w): the same fourteen days, surges and contract with
// fewer buyers, so a test can play the whole trial compressed. It returns
// the file's path.
func TrialLite(dir string, paidPerDay int) (string, error) {
	b, err := scenarios.ScenarioSource("trial-2w")
	if err != nil {
		return "", err
	}
	for _, r := range []struct{ old, new string }{
		{"name: trial-2w\n", "name: trial-2w-lite\n"},
		{"paid_orders_per_day: 12000\n", fmt.Sprintf("paid_orders_per_day: %d\n", paidPerDay)},
	} {
		if !bytes.Contains(b, []byte(r.old)) {
			return "", fmt.Errorf("trial-2w has no %q to replace", r.old)
		}
		b = bytes.Replace(b, []byte(r.old), []byte(r.new), 1)
	}
	p := filepath.Join(dir, "trial-2w-lite.yaml")
	return p, os.WriteFile(p, b, 0o644)
}
