package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// durationUnits are the units a duration in a file or flag may use, longest
// first so "ms" is not read as "m".
var durationUnits = []struct {
	name string
	d    time.Duration
}{
	{"ms", time.Millisecond},
	{"w", 7 * 24 * time.Hour},
	{"d", 24 * time.Hour},
	{"h", time.Hour},
	{"m", time.Minute},
	{"s", time.Second},
}

// ParseDuration reads durations such as "90s", "3m", "1h30m", "14d", "2w"
// and "1.5h": Go's units up to hours plus d (24 h) and w (7 d). A bare
// number is an error: the unit is part of the value.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("duration %q: empty (want e.g. 90s, 3m, 1h30m, 14d, 2w)", s)
	}
	rest := in
	var total float64
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("duration %q: want a number before each unit (e.g. 90s, 3m, 1h30m, 14d, 2w)", s)
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("duration %q: %q is not a number", s, rest[:i])
		}
		rest = rest[i:]
		unit := time.Duration(0)
		for _, u := range durationUnits {
			if strings.HasPrefix(rest, u.name) {
				unit, rest = u.d, rest[len(u.name):]
				break
			}
		}
		if unit == 0 {
			return 0, fmt.Errorf("duration %q: missing or unknown unit (want ms, s, m, h, d or w)", s)
		}
		total += n * float64(unit)
	}
	if total > math.MaxInt64/2 {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return time.Duration(math.Round(total)), nil
}

// FormatDuration writes d as scenario files do; see [sim.FormatDuration].
func FormatDuration(d time.Duration) string { return sim.FormatDuration(d) }
