//go:build race

package hub_test

// raceEnabled: the race detector changes memory and time, so figures are
// logged but not held to their targets.
const raceEnabled = true
