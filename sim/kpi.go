package sim

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Direction says which way a KPI improves.
type Direction int

// The directions of a KPI.
const (
	HigherIsBetter Direction = iota + 1
	LowerIsBetter
)

func (d Direction) String() string {
	switch d {
	case HigherIsBetter:
		return "higher is better"
	case LowerIsBetter:
		return "lower is better"
	}
	return "unknown direction"
}

// Unit is what a KPI value counts.
type Unit string

// The units of the catalogue.
const (
	UnitFraction    Unit = "fraction"  // 0..1; 0.87 means 87 %
	UnitSeconds     Unit = "seconds"   // a duration in seconds
	UnitCount       Unit = "count"     // a non-negative integer per period
	UnitCountPerDay Unit = "count/day" // an average per calendar day (first chat to last)
)

// KPI describes one indicator: what it measures and how.
type KPI struct {
	ID         string
	Name       string
	Unit       Unit
	Direction  Direction
	Formula    string
	Window     string
	Exclusions string
}

// IncidentPrefix starts the ids of incident counts ("incident.data_leak"),
// the inputs of event penalties. Any name may follow the prefix.
const IncidentPrefix = "incident."

// catalogue holds the KPI definitions. The ids are part of the file formats
// (contracts, KPI files, reports): never rename one.
var catalogue = []KPI{
	{
		ID: "first_response_avg_s", Name: "average first response time", Unit: UnitSeconds, Direction: LowerIsBetter,
		Formula:    "sum over sessions of (first valid agent reply − first buyer message) ÷ sessions with a buyer message",
		Window:     "the period; only sessions starting inside the platform profile's business hours",
		Exclusions: "sessions answered only by a full-auto bot; sessions excluded by the contract (merchant fault, platform outage)",
	},
	{
		ID: "response_avg_s", Name: "average response time per round (platform-capped)", Unit: UnitSeconds, Direction: LowerIsBetter,
		Formula:    "sum over rounds of min(reply time, round cap) ÷ rounds; a round runs from the buyer's first message to the first valid reply; an unanswered round counts the cap (Taobao: 600 s)",
		Window:     "the period; rounds starting inside business hours (Taobao 08:00–23:00)",
		Exclusions: "full-auto bot rounds on both sides; assist-mode replies count",
	},
	{
		ID: "reply_rate_3min", Name: "3-minute reply rate", Unit: UnitFraction, Direction: HigherIsBetter,
		Formula:    "rounds answered within the profile's reply threshold (3 min) ÷ rounds; under a per-dialogue profile (Douyin) a dialogue counts 0 if any message waited longer",
		Window:     "the period; business hours of the profile",
		Exclusions: "sessions that fell to offline messages count as not answered",
	},
	{
		ID: "answer_rate_30s", Name: "30-second answer rate", Unit: UnitFraction, Direction: HigherIsBetter,
		Formula:    "sessions whose first valid reply came within the profile's answer threshold (30 s) ÷ sessions",
		Window:     "the period; JD excludes sessions started 23:00–09:00",
		Exclusions: "sessions excluded by the contract",
	},
	{
		ID: "satisfaction", Name: "satisfaction (top-2-box)", Unit: UnitFraction, Direction: HigherIsBetter,
		Formula:    "ratings of 4 or 5 ÷ ratings given, on a 1–5 scale",
		Window:     "the period",
		Exclusions: "unrated conversations do not count",
	},
	{
		ID: "dispute_refund_rate", Name: "dispute-refund rate", Unit: UnitFraction, Direction: LowerIsBetter,
		Formula:    "disputes the platform ruled for the buyer ÷ paid orders of the period (not ÷ conversations, which would overstate it about tenfold); not evaluated when the paid orders are not given (--paid-orders): a chat's paid events are pre-sales purchases, not the store's orders",
		Window:     "the period (platforms lag it by weeks; deskdrill computes it from its own sessions)",
		Exclusions: "disputes caused by the merchant's own fault (false product information, product quality) when the contract excludes them",
	},
	{
		ID: "abandon_rate", Name: "abandonment rate", Unit: UnitFraction, Direction: LowerIsBetter,
		Formula:    "abandoned sessions ÷ (handled + abandoned sessions): abandoned = the buyer left before any valid reply; handled = got a valid reply and the buyer did not leave before it",
		Window:     "the period",
		Exclusions: "sessions excluded by the contract",
	},
	{
		ID: "resolution_24h_rate", Name: "24-hour solution rate", Unit: UnitFraction, Direction: HigherIsBetter,
		Formula:    "cases given a solution within 24 h of the first contact ÷ cases (after-sales conversations of a known case: one naming none, and none inferred, is left out)",
		Window:     "the period, by first contact",
		Exclusions: "cases waiting on the buyer (evidence requested and not yet sent) do not run the clock",
	},
	{
		ID: "timeouts_per_day", Name: "response timeouts per calendar day", Unit: UnitCountPerDay, Direction: LowerIsBetter,
		Formula:    "rounds whose first valid reply came later than the timeout threshold (the contract's timeout_threshold, else the platform profile's, default 3 min), or never ÷ calendar days (the profile's zone, Beijing time) from the first chat to the last, inclusive: a day without chats counts",
		Window:     "the period; rounds starting in the profile's business hours",
		Exclusions: "blackout days and excluded sessions",
	},
	{
		ID: "timeout_bad_day_share", Name: "share of days over the timeout limit", Unit: UnitFraction, Direction: LowerIsBetter,
		Formula:    "days whose response timeouts exceeded the contract's daily limit ÷ the same days as timeouts_per_day (first chat to last, Beijing time, inclusive)",
		Window:     "the period",
		Exclusions: "blackout days",
	},
	{
		ID: "not_served_rate", Name: "not-served rate", Unit: UnitFraction, Direction: LowerIsBetter,
		Formula:    "sessions that got no valid reply (no agent, all saturated, or only a welcome or other automatic message; an assignment alone does not serve) ÷ sessions",
		Window:     "the period; business hours (Douyin 08:00–23:00)",
		Exclusions: "sessions excluded by the contract",
	},
	{
		ID: "inquiry_conversion", Name: "inquiry conversion", Unit: UnitFraction, Direction: HigherIsBetter,
		Formula:    "pre-sales buyers who paid ÷ pre-sales buyers who consulted",
		Window:     "the period",
		Exclusions: "after-sales sessions",
	},
	{
		ID: "qa_hard_fails", Name: "quality-inspection hard fails", Unit: UnitCount, Direction: LowerIsBetter,
		Formula:    "conversations with at least one compliance hard fail (forbidden words, off-platform contact, private cash-back, review manipulation, insults, leaked personal data)",
		Window:     "the period; 100 % of conversations inspected",
		Exclusions: "none",
	},
	{
		ID: "training_pass_rate", Name: "training compliance (pass rate)", Unit: UnitFraction, Direction: HigherIsBetter,
		Formula:    "agents who passed the assessment ÷ agents assessed",
		Window:     "the period",
		Exclusions: "none",
	},
}

var catalogueByID = func() map[string]KPI {
	m := make(map[string]KPI, len(catalogue))
	for _, k := range catalogue {
		m[k.ID] = k
	}
	return m
}()

// KPIs returns the catalogue in a fixed order. The slice is a copy.
func KPIs() []KPI {
	out := make([]KPI, len(catalogue))
	copy(out, catalogue)
	return out
}

// LookupKPI returns the definition of id. Incident ids ("incident.NAME") are
// synthesised: a count, lower is better.
func LookupKPI(id string) (KPI, bool) {
	if k, ok := catalogueByID[id]; ok {
		return k, true
	}
	if name, ok := strings.CutPrefix(id, IncidentPrefix); ok && validIncidentName(name) {
		return KPI{
			ID: id, Name: "incidents: " + name, Unit: UnitCount, Direction: LowerIsBetter,
			Formula: "incidents of kind " + name + " reported in the period", Window: "the period", Exclusions: "none",
		}, true
	}
	return KPI{}, false
}

func validIncidentName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// KPIIDs lists the catalogue ids, sorted.
func KPIIDs() []string {
	ids := make([]string, 0, len(catalogue))
	for _, k := range catalogue {
		ids = append(ids, k.ID)
	}
	sort.Strings(ids)
	return ids
}

// UnknownKPIError reports a KPI id that is neither in the catalogue nor an
// incident id.
type UnknownKPIError struct{ ID string }

func (e *UnknownKPIError) Error() string {
	return fmt.Sprintf("unknown KPI %q (known: %s, or %sNAME)", e.ID, strings.Join(KPIIDs(), ", "), IncidentPrefix)
}

// CheckValue reports whether v is a possible value of k (the error does not
// repeat the id: the caller names the field): fractions in [0, 1],
// everything else non-negative, counts whole.
func (k KPI) CheckValue(v float64) error {
	switch {
	case v != v: // NaN
		return errors.New("value is not a number")
	case v < 0:
		return fmt.Errorf("%v is negative", v)
	case k.Unit == UnitFraction && v > 1:
		return fmt.Errorf("%v is above 1 (rates are fractions: 0.87, not 87)", v)
	case k.Unit == UnitCount && v != float64(int64(v)):
		return fmt.Errorf("%v is not a whole count", v)
	case v > 1e15:
		return fmt.Errorf("%v is out of range", v)
	}
	return nil
}

// KPIValues maps KPI ids to measured values of one period.
type KPIValues map[string]float64
