package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Locale is the language of a scenario's buyers.
type Locale string

// The locales.
const (
	LocaleZhCN Locale = "zh-CN"
	LocaleEN   Locale = "en"
)

// DefaultTimeZone is the time zone of a scenario that names none.
const DefaultTimeZone = "Asia/Shanghai"

// chinaStandardTime is Asia/Shanghai as a fixed zone. China has kept UTC+8
// without daylight saving since 1991, so for the default zone no tz
// database is needed. It is named by its IANA name, as the KPI calendar's
// zone is shown everywhere (String gives it; Format("MST") would give the
// same, where tzdata's Asia/Shanghai gives "CST").
var chinaStandardTime = time.FixedZone(DefaultTimeZone, 8*60*60)

// Limits of a scenario: anything beyond is a mistake in the file.
const (
	MaxScenarioDuration = 366 * 24 * time.Hour
	MaxSpeed            = 100_000.0
	maxRatePerHour      = 1e7
	maxSurgeMultiplier  = 1000.0
)

// Scenario is everything a run needs besides the agents: when it happens,
// under which platform rules, how many buyers arrive with which problems
// and tempers, the merchant's policy, the team, the statistical agent of
// the virtual engine, the outcome model and the contract. Field names
// follow the scenario file format (docs/scenarios.md).
//
// Sections left nil take their defaults in [Scenario.Normalize]; a file's
// sections start from those defaults ([NewScenario]), so a file sets only
// the fields it changes.
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Seed is the root seed of every random draw of a run; 0 means "pick
	// one and print it".
	Seed   uint64 `yaml:"seed"`
	Locale Locale `yaml:"locale"`
	// Start is the local date-time the run begins, in TimeZone.
	Start    LocalTime `yaml:"start"`
	TimeZone string    `yaml:"timezone"`
	// Location is TimeZone loaded; the scenarios package sets it. For the
	// default zone Normalize sets a fixed UTC+8 zone when it is nil.
	Location *time.Location `yaml:"-"`
	Duration time.Duration  `yaml:"duration"`
	// Speed compresses time in live runs: simulated seconds per real
	// second (60 = one simulated minute per second; 1 with people).
	Speed      float64          `yaml:"speed"`
	Platform   *PlatformProfile `yaml:"platform"`
	Store      Store            `yaml:"store"`
	Arrivals   Arrivals         `yaml:"arrivals"`
	ContactMix ContactMix       `yaml:"contact_mix"`
	Personas   []Persona        `yaml:"personas"`
	Policy     *MerchantPolicy  `yaml:"policy"`
	Staffing   *Staffing        `yaml:"staffing"`
	Agent      *AgentModel      `yaml:"agent"`
	Outcome    *Outcome         `yaml:"outcome"`
	Contract   ContractRef      `yaml:"contract"`
}

// Store is the shop behind the contacts. Its paid orders are the
// denominator of the dispute-refund rate.
type Store struct {
	PaidOrdersPerDay float64 `yaml:"paid_orders_per_day"`
	// ContactsPerOrder is how many conversations an order produces on
	// average, pre-sales included.
	ContactsPerOrder float64 `yaml:"contacts_per_order"`
	// AverageOrderValue is the mean paid amount of an order: what a buyer
	// who wins a platform dispute is refunded. Order values are lognormal
	// around it (CV 1).
	AverageOrderValue Money `yaml:"average_order_value"`
}

// Arrivals shapes the arrival rate over time; see [ArrivalRate].
type Arrivals struct {
	// BasePerHour is the mean rate in contacts per hour of a day without
	// surges. Nil derives it from the store: paid orders per day ×
	// contacts per order ÷ 24.
	BasePerHour *float64 `yaml:"base_per_hour"`
	// HourShape holds 24 relative weights, one per local hour from 00:00;
	// they are divided by their mean, so only ratios matter.
	HourShape []float64 `yaml:"hour_shape"`
	Surges    []Surge   `yaml:"surges"`
}

// Surge is a window in which arrivals are multiplied. Overlapping surges
// multiply; the contact mix of the last-listed active surge that has one
// replaces the scenario's.
type Surge struct {
	Name  string    `yaml:"name"`
	Start LocalTime `yaml:"start"`
	// Exactly one of End and Duration is given.
	End        LocalTime     `yaml:"end"`
	Duration   time.Duration `yaml:"duration"`
	Multiplier float64       `yaml:"multiplier"`
	Mix        ContactMix    `yaml:"mix"`
}

// ContractRef is a scenario's contract: a built-in template or a file by
// Name, or written inline (Name empty). Contract is the resolved contract;
// both empty means the scenario has none.
type ContractRef struct {
	Name     string
	Contract *Contract
}

// IsZero reports whether the scenario names no contract.
func (r ContractRef) IsZero() bool { return r.Name == "" && r.Contract == nil }

// DefaultHourShape is an ordinary day of Chinese e-commerce chat: quiet
// from 01:00 to 07:00, a morning peak at 10:00, an afternoon plateau and the
// evening peak from 20:00 to 22:00. The numbers are ours.
func DefaultHourShape() []float64 {
	return []float64{
		0.55, 0.30, 0.18, 0.12, 0.10, 0.12, 0.25, 0.50, // 00–07
		0.85, 1.15, 1.35, 1.30, 1.05, 1.15, 1.30, 1.30, // 08–15
		1.25, 1.10, 1.05, 1.25, 1.55, 1.65, 1.45, 1.00, // 16–23
	}
}

// NewScenario returns a scenario with every optional section at its
// default: the starting point of a scenario file.
func NewScenario() *Scenario {
	return &Scenario{
		Locale:   LocaleZhCN,
		TimeZone: DefaultTimeZone,
		Speed:    1,
		Policy:   DefaultMerchantPolicy(),
		Agent:    DefaultAgentModel(),
		Outcome:  DefaultOutcome(),
	}
}

// StartTime returns the instant the run begins.
func (s *Scenario) StartTime() time.Time { return s.Start.In(s.loc()) }

// ShiftDays returns a copy of s whose calendar is moved by n days: its
// start and every surge's window, each at the same time of day. s is not
// changed.
func (s *Scenario) ShiftDays(n int) *Scenario {
	cp := *s
	cp.Start = s.Start.AddDays(n)
	cp.Arrivals.Surges = slices.Clone(s.Arrivals.Surges)
	for i := range cp.Arrivals.Surges {
		g := &cp.Arrivals.Surges[i]
		g.Start, g.End = g.Start.AddDays(n), g.End.AddDays(n)
	}
	return &cp
}

// RealTime returns s as a real-time run started at now plays it: moved by
// whole days so that its first day is now's date in its time zone, and
// the scenario time already played when the run starts, the time of day
// of now past the start's (day 1 is partial). When that leaves nothing
// of the scenario (it ends earlier that day) or now is before the start's
// time of day, the run plays from the start: the offset is 0.
func (s *Scenario) RealTime(now time.Time) (rebased *Scenario, offset time.Duration) {
	rebased = s.ShiftDays(DaysBetween(s.StartTime(), now, s.loc()))
	offset = now.Sub(rebased.StartTime())
	if offset < 0 || offset >= s.Duration {
		offset = 0
	}
	return rebased, offset
}

// DaysBetween returns the calendar days from a's date to b's, in loc.
func DaysBetween(a, b time.Time, loc *time.Location) int {
	a, b = a.In(loc), b.In(loc)
	return int(math.Round(time.Date(b.Year(), b.Month(), b.Day(), 12, 0, 0, 0, time.UTC).
		Sub(time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, time.UTC)).Hours() / 24))
}

// EndTime returns the instant the run ends (exclusive).
func (s *Scenario) EndTime() time.Time { return s.StartTime().Add(s.Duration) }

func (s *Scenario) loc() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return time.UTC
}

// BasePerHour returns the base arrival rate in contacts per hour: the
// file's, or paid orders per day × contacts per order ÷ 24, so that a day
// without surges brings orders × contacts per order contacts.
func (s *Scenario) BasePerHour() float64 {
	if s.Arrivals.BasePerHour != nil {
		return *s.Arrivals.BasePerHour
	}
	return s.Store.PaidOrdersPerDay * s.Store.ContactsPerOrder / 24
}

// Window returns the surge's instants [from, to) in loc.
func (g Surge) Window(loc *time.Location) (from, to time.Time) {
	from = g.Start.In(loc)
	if !g.End.IsZero() {
		return from, g.End.In(loc)
	}
	return from, from.Add(g.Duration)
}

// Normalize fills the defaults: locale zh-CN, time zone Asia/Shanghai,
// speed 1, the default hour shape, contact mix, personas, policy, agent
// model and outcome model for sections left nil, the default concurrency
// curve, and a staffing derived from the load when none is given.
// Fields where zero is a valid value are left alone. Validate calls it.
func (s *Scenario) Normalize() {
	if s.Locale == "" {
		s.Locale = LocaleZhCN
	}
	if s.TimeZone == "" {
		s.TimeZone = DefaultTimeZone
	}
	if s.Location == nil && s.TimeZone == DefaultTimeZone {
		s.Location = chinaStandardTime
	}
	if s.Speed == 0 {
		s.Speed = 1
	}
	if s.Store.AverageOrderValue == 0 {
		s.Store.AverageOrderValue = DefaultAverageOrderValue
	}
	if s.Arrivals.HourShape == nil {
		s.Arrivals.HourShape = DefaultHourShape()
	}
	if s.ContactMix == nil {
		s.ContactMix = DefaultContactMix()
	}
	if s.Personas == nil {
		s.Personas = DefaultPersonas()
	}
	for i := range s.Personas {
		if s.Personas[i].Ladder == nil {
			s.Personas[i].Ladder = DefaultLadder()
		}
	}
	if s.Policy == nil {
		s.Policy = DefaultMerchantPolicy()
	}
	if s.Agent == nil {
		s.Agent = DefaultAgentModel()
	}
	if s.Agent.Capacity == nil {
		s.Agent.Capacity = DefaultCapacity()
	}
	if s.Outcome == nil {
		s.Outcome = DefaultOutcome()
	}
	if s.Staffing == nil {
		s.Staffing = &Staffing{}
	}
	// Derived staffing (scenarios.md): without intervals, also inside a
	// staffing section that sets only the concurrency or the sweep.
	if len(s.Staffing.Intervals) == 0 {
		s.Staffing.Intervals = []StaffInterval{{Start: 0, End: MinutesPerDay, Agents: s.offeredAgents()}}
	}
	if s.Staffing.Concurrency == 0 {
		s.Staffing.Concurrency = min(DefaultConcurrency, len(s.Agent.Capacity))
	}
	if s.Staffing.Sweep.IsZero() {
		s.Staffing.Sweep = defaultSweep(s.Staffing.Peak())
	}
}

// offeredAgents estimates the agents the peak hour keeps busy: peak
// contacts per hour × mean handle time ÷ the capacity at the default
// concurrency. It is a starting shape for the planner, not a staffing
// answer (that needs queueing and patience), and is 1 when the scenario is
// too broken to estimate.
func (s *Scenario) offeredAgents() int {
	if s.Duration <= 0 || s.Duration > MaxScenarioDuration || s.Start.IsZero() || len(s.Arrivals.HourShape) != 24 {
		return 1
	}
	_, peak := s.ArrivalRate().PeakHour(s.StartTime(), s.EndTime())
	var handle float64 // hours, weighted by the mix
	for _, cs := range s.ContactMix.Shares() {
		handle += cs.Share * s.Agent.HandleTimeFor(cs.ID).MeanDuration().Hours()
	}
	conc := min(DefaultConcurrency, len(s.Agent.Capacity))
	if conc < 1 {
		return 1
	}
	n := math.Ceil(peak * handle / s.Agent.Capacity[conc-1])
	if !(n >= 1) || n > maxAgents {
		return 1
	}
	return int(n)
}

// Validate normalises s and checks it. The error joins one *FieldError per
// problem, each with the field path of the scenario file
// ("arrivals.surges[0].multiplier", "contact_mix.quality_defect").
func (s *Scenario) Validate() error {
	s.Normalize()
	var fe fieldErrors
	if strings.TrimSpace(s.Name) == "" {
		fe.add("name", "is required")
	}
	if s.Locale != LocaleZhCN && s.Locale != LocaleEN {
		fe.add("locale", "%q: want zh-CN or en", s.Locale)
	}
	switch {
	case s.Location == nil:
		fe.add("timezone", "%q is not loaded (the scenarios package resolves time zones)", s.TimeZone)
	case s.Location == chinaStandardTime && s.TimeZone != DefaultTimeZone,
		s.Location != chinaStandardTime && s.Location.String() != s.TimeZone:
		fe.add("timezone", "%q is not loaded: Location holds another zone (%v)", s.TimeZone, s.Location)
	}
	if s.Start.IsZero() {
		fe.add("start", "is required: the local date-time the run begins, such as 2026-11-11T00:00")
	}
	switch {
	case s.Duration <= 0:
		fe.add("duration", "is required and must be above zero (e.g. 24h, 9d, 2w)")
	case s.Duration > MaxScenarioDuration:
		fe.add("duration", "%s is longer than a year", FormatDuration(s.Duration))
	}
	if !(s.Speed > 0 && s.Speed <= MaxSpeed) {
		fe.add("speed", "%v: want a compression above 0 and at most %v (1 = real time)", s.Speed, MaxSpeed)
	}
	if s.Platform == nil {
		fe.add("platform", "is required: a built-in profile name (taobao, pinduoduo, jd, douyin) or a profile")
	} else {
		s.Platform.check(&fe, "platform")
	}
	s.checkStore(&fe)
	s.checkArrivals(&fe)
	s.ContactMix.check(&fe, "contact_mix")
	s.checkPersonas(&fe)
	s.Policy.check(&fe, "policy")
	s.Agent.check(&fe, "agent")
	s.Staffing.check(&fe, "staffing", len(s.Agent.Capacity))
	s.Outcome.check(&fe, "outcome")
	switch c := s.Contract; {
	case c.Contract != nil:
		appendPrefixed(&fe, "contract", c.Contract.Validate())
	case c.Name != "":
		fe.add("contract", "%q is not loaded (the scenarios package resolves contract names)", c.Name)
	}
	return errors.Join(fe...)
}

// DefaultAverageOrderValue is the order value of a store that gives none
// (150 CNY, ours).
const DefaultAverageOrderValue Money = 150_00

func (s *Scenario) checkStore(fe *fieldErrors) {
	if s.Store.AverageOrderValue < 0 || s.Store.AverageOrderValue > 1_000_000_00 {
		fe.add("store.average_order_value", "%s: want the mean order value in CNY, above zero", s.Store.AverageOrderValue)
	}
	if !(s.Store.PaidOrdersPerDay > 0 && s.Store.PaidOrdersPerDay <= 1e9) {
		fe.add("store.paid_orders_per_day", "%v: want the store's paid orders per day, above zero (the denominator of the dispute-refund rate)", s.Store.PaidOrdersPerDay)
	}
	if !(s.Store.ContactsPerOrder > 0 && s.Store.ContactsPerOrder <= 100) {
		fe.add("store.contacts_per_order", "%v: want the conversations one order brings on average, above zero (typically 0.1 to 0.5)", s.Store.ContactsPerOrder)
	}
}

func (s *Scenario) checkArrivals(fe *fieldErrors) {
	a := s.Arrivals
	if b := a.BasePerHour; b != nil && !(*b > 0 && *b <= maxRatePerHour) {
		fe.add("arrivals.base_per_hour", "%v: want contacts per hour above zero (leave it out to derive it from the store)", *b)
	}
	if len(a.HourShape) != 24 {
		fe.add("arrivals.hour_shape", "has %d values: want 24, one per hour from 00:00", len(a.HourShape))
	} else {
		sum := 0.0
		for i, w := range a.HourShape {
			if !(w >= 0) || w > 1e6 {
				fe.add(fmt.Sprintf("arrivals.hour_shape[%d]", i), "%v: a weight must be zero or more", w)
				sum = math.NaN()
			}
			sum += w
		}
		if sum == 0 {
			fe.add("arrivals.hour_shape", "every hour has weight 0: at least one needs a positive weight")
		}
	}
	runFrom, runTo := s.StartTime(), s.EndTime()
	names := map[string]int{}
	for i, g := range a.Surges {
		p := fmt.Sprintf("arrivals.surges[%d]", i)
		if g.Name == "" {
			fe.add(p+".name", "is required")
		} else if j, dup := names[g.Name]; dup {
			fe.add(p+".name", "%q is also the name of surges[%d]", g.Name, j)
		} else {
			names[g.Name] = i
		}
		if !(g.Multiplier > 0 && g.Multiplier <= maxSurgeMultiplier) {
			fe.add(p+".multiplier", "%v: want a factor above zero and at most %v (2 doubles the rate)", g.Multiplier, maxSurgeMultiplier)
		}
		if g.Mix != nil {
			g.Mix.check(fe, p+".mix")
		}
		if g.Start.IsZero() {
			fe.add(p+".start", "is required: a local date-time such as 2026-11-11T00:00")
			continue
		}
		switch {
		case g.End.IsZero() && g.Duration == 0:
			fe.add(p, "give end or duration")
			continue
		case !g.End.IsZero() && g.Duration != 0:
			fe.add(p+".duration", "give end or duration, not both")
			continue
		case g.Duration < 0 || g.Duration > MaxScenarioDuration:
			fe.add(p+".duration", "%s: want a duration above zero and at most a year", FormatDuration(g.Duration))
			continue
		}
		from, to := g.Window(s.loc())
		if !to.After(from) {
			fe.add(p+".end", "%v is not after start (%v)", g.End, g.Start)
			continue
		}
		if s.Duration > 0 && s.Location != nil && !s.Start.IsZero() && (!to.After(runFrom) || !from.Before(runTo)) {
			fe.add(p+".start", "the surge %v to %v lies outside the run (%v to %v)", g.Start, fmtLocal(to), s.Start, fmtLocal(runTo))
		}
	}
}

func fmtLocal(t time.Time) string { return t.Format("2006-01-02T15:04") }

func (s *Scenario) checkPersonas(fe *fieldErrors) {
	if len(s.Personas) == 0 {
		fe.add("personas", "at least one persona is required (leave the section out for the default mix)")
		return
	}
	names := map[string]int{}
	total := 0.0
	for i := range s.Personas {
		p := &s.Personas[i]
		path := fmt.Sprintf("personas[%d]", i)
		p.check(fe, path)
		if j, dup := names[p.Name]; dup && p.Name != "" {
			fe.add(path+".name", "%q is also the name of personas[%d]", p.Name, j)
		} else {
			names[p.Name] = i
		}
		total += p.Weight
	}
	if total == 0 {
		fe.add("personas", "the weights add up to 0: at least one persona needs a positive weight")
	}
}

// appendPrefixed adds the field errors of err (a joined error from a
// nested Validate) with their paths under prefix.
func appendPrefixed(fe *fieldErrors, prefix string, err error) {
	if err == nil {
		return
	}
	for _, e := range Unjoin(err) {
		var f *FieldError
		if errors.As(e, &f) {
			field := prefix
			if f.Field != "" {
				field = prefix + "." + f.Field
			}
			*fe = append(*fe, &FieldError{Field: field, Msg: f.Msg})
			continue
		}
		*fe = append(*fe, &FieldError{Field: prefix, Msg: e.Error()})
	}
}

// PersonaShares returns each persona's share of buyers, in list order.
func (s *Scenario) PersonaShares() []float64 {
	total := 0.0
	for _, p := range s.Personas {
		total += p.Weight
	}
	out := make([]float64, len(s.Personas))
	if total <= 0 {
		return out
	}
	for i, p := range s.Personas {
		out[i] = p.Weight / total
	}
	return out
}

// Locales lists the supported locales.
func Locales() []Locale { return []Locale{LocaleZhCN, LocaleEN} }

// fieldPath joins a parent path and a field name ("" is the root).
func fieldPath(parent, field string) string {
	if parent == "" {
		return field
	}
	return parent + "." + field
}
