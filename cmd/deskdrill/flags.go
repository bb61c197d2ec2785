package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
	"github.com/deskdrill/deskdrill/sim/queue"

	loadgen "github.com/deskdrill/deskdrill/bench/load"
	"github.com/deskdrill/deskdrill/bench/protocol"
)

// Every flag that is not plain text or a switch is a flagValue: its parser
// reads and checks the value when the flags are parsed, so a bad value
// stops the command before it loads or starts anything, and the parser's
// error says what a good value looks like. explainFlagError puts the flag
// and the value given in front:
//
//	--speed fast: want a number above 0 such as 60 (arrivals 60× faster)
//
// pflag's own numeric flags would print "strconv.ParseFloat: parsing
// "fast": invalid syntax" instead; TestFlags_EveryValueExplainsItself keeps
// them out.

// wantError is a flag value that cannot be used: an optional reason and
// what the flag wants, with an example.
type wantError struct {
	reason string // "" or why the value is wrong
	want   string // "a number above 0 such as 60"
}

func (e *wantError) Error() string {
	if e.reason == "" {
		return "want " + e.want
	}
	return e.reason + "; want " + e.want
}

// flagValue is a pflag.Value read by a hand-written parser.
type flagValue[T any] struct {
	p     *T
	parse func(string) (T, error)
	show  func(T) string
	typ   string // the value's shape in --help: float, duration, MIN..MAX, ...
}

func (v *flagValue[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil {
		return err
	}
	*v.p = x
	return nil
}

func (v *flagValue[T]) String() string {
	if v.p == nil { // pflag calls String on a zero value to tell defaults
		return ""
	}
	return v.show(*v.p)
}

func (v *flagValue[T]) Type() string { return v.typ }

// wants says what a good value looks like: what the parser says of an
// empty one, which no parsed flag takes.
func (v *flagValue[T]) wants() string {
	var w *wantError
	if _, err := v.parse(""); errors.As(err, &w) {
		return w.want
	}
	return "a value"
}

// varFlag defines flag name on fs, with *p (already holding the default)
// read by parse.
func varFlag[T any](fs *pflag.FlagSet, p *T, name, typ, usage string, parse func(string) (T, error), show func(T) string) {
	fs.Var(&flagValue[T]{p: p, parse: parse, show: show, typ: typ}, name, usage)
}

// floatFlag defines a number flag whose values satisfy ok.
func floatFlag(fs *pflag.FlagSet, p *float64, name string, def float64, usage string, ok func(float64) bool, want string) {
	*p = def
	varFlag(fs, p, name, "float", usage, parseNumber(ok, want), formatFloat)
}

// intFlag defines a whole-number flag from lo to hi.
func intFlag(fs *pflag.FlagSet, p *int, name string, def int, usage string, lo, hi int, want string) {
	*p = def
	varFlag(fs, p, name, "int", usage, parseWhole(lo, hi, want), strconv.Itoa)
}

// maxFlagDuration bounds every duration flag: a week is far beyond any
// handle time, patience, grace or test run, and below it a duration reads
// back to the nanosecond (ParseDuration adds up in float64).
const maxFlagDuration = 7 * 24 * time.Hour

// durationFlag defines a duration flag from lo to maxFlagDuration (units
// ms to w).
func durationFlag(fs *pflag.FlagSet, p *time.Duration, name string, def time.Duration, usage string, lo time.Duration, want string) {
	durationRangeFlag(fs, p, name, def, usage, lo, maxFlagDuration, want+", at most 1w")
}

// durationRangeFlag is durationFlag for a flag with a bound of its own,
// below the week every duration flag has; want names both ends.
func durationRangeFlag(fs *pflag.FlagSet, p *time.Duration, name string, def time.Duration, usage string, lo, hi time.Duration, want string) {
	*p = def
	varFlag(fs, p, name, "duration", usage, parseDurationBetween(lo, hi, want), formatDuration)
}

// seedFlag defines --seed.
func seedFlag(fs *pflag.FlagSet, p *uint64, usage string) {
	varFlag(fs, p, "seed", "uint", usage, parseSeed, func(v uint64) string { return strconv.FormatUint(v, 10) })
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// formatDuration writes d as ParseDuration reads it back, to the
// nanosecond: scenarios.FormatDuration stops at milliseconds, so a
// remainder below one is written as a fraction of a millisecond.
func formatDuration(d time.Duration) string {
	rest := d % time.Millisecond
	if d == 0 || rest == 0 {
		return scenarios.FormatDuration(d)
	}
	whole, ms := "", time.Duration(0)
	if d -= rest; d > 0 {
		whole = scenarios.FormatDuration(d)
		if head, ok := strings.CutSuffix(whole, "ms"); ok {
			// "1h5ms": take the 5 out to write "1h5.036ms".
			i := strings.LastIndexFunc(head, func(r rune) bool { return r < '0' || r > '9' })
			n, _ := strconv.Atoi(head[i+1:])
			whole, ms = head[:i+1], time.Duration(n)
		}
	}
	frac := strings.TrimRight(fmt.Sprintf("%06d", int64(rest)), "0")
	return fmt.Sprintf("%s%d.%sms", whole, ms, frac)
}

// Ranges for floatFlag.
func above(lo, hi float64) func(float64) bool {
	return func(v float64) bool { return v > lo && v <= hi }
}
func from(lo, hi float64) func(float64) bool {
	return func(v float64) bool { return v >= lo && v <= hi }
}

// share is a fraction from 0 to 1.
var share = from(0, 1)

func parseNumber(ok func(float64) bool, want string) func(string) (float64, error) {
	return func(s string) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || !ok(v) {
			return 0, &wantError{want: want}
		}
		return v, nil
	}
}

func parseWhole(lo, hi int, want string) func(string) (int, error) {
	return func(s string) (int, error) {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v < lo || v > hi {
			return 0, &wantError{want: want}
		}
		return v, nil
	}
}

// parseDurationBetween reads a duration as scenario files write them
// (90s, 3m, 1h30m, 14d, 2w) from lo to hi; want says so. A bare 0 needs
// no unit.
func parseDurationBetween(lo, hi time.Duration, want string) func(string) (time.Duration, error) {
	return func(s string) (time.Duration, error) {
		d, err := time.Duration(0), error(nil)
		if strings.TrimSpace(s) != "0" {
			d, err = scenarios.ParseDuration(s)
		}
		if err != nil || d < lo || d > hi {
			return 0, &wantError{want: want}
		}
		return d, nil
	}
}

func parseSeed(s string) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, &wantError{want: "a whole number from 0 to 18446744073709551615 such as 7"}
	}
	return v, nil
}

const maxRate = 1e12 // contacts per period: more is a typo

// parseRate reads an arrival rate: "200/h", "100/30m", "3/s", "900/1d".
func parseRate(s string) (queue.Rate, error) {
	const want = "contacts per duration such as 200/h, 100/30m or 3/s"
	num, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return queue.Rate{}, &wantError{reason: "no duration after a /", want: want}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || !(n > 0) || n > maxRate {
		return queue.Rate{}, &wantError{reason: "the count before the / must be a number above 0", want: want}
	}
	per = strings.TrimSpace(per)
	if per != "" && unicode.IsLetter(rune(per[0])) { // "/h" is "/1h"; "/.5h" is half an hour
		per = "1" + per
	}
	d, err := scenarios.ParseDuration(per)
	if err != nil || d <= 0 || d > maxFlagDuration {
		return queue.Rate{}, &wantError{reason: "the part after the / must be a duration above 0 and at most 1w", want: want}
	}
	return queue.Rate{Freq: n, Per: d}, nil
}

func formatRate(r queue.Rate) string {
	if r.Per == 0 {
		return ""
	}
	return formatFloat(r.Freq) + "/" + formatDuration(r.Per)
}

// parseLoadRate reads the load generator's message rate: "5000/s",
// "300/m", "100/500ms" or a bare count per second.
func parseLoadRate(s string) (loadgen.Rate, error) {
	r, err := loadgen.ParseRate(s)
	if err != nil {
		return loadgen.Rate{}, &wantError{want: "a number of messages above 0 per unit such as 5000/s, 300/m, 0.5/s or 100/500ms"}
	}
	return r, nil
}

// parseCost reads "300/day" (or "300/d", "300"): CNY per agent-day, or
// per hour ("15/h").
func parseCost(s string) (float64, error) {
	const want = "CNY per agent above 0 such as 300/day or 15/h, at most 1000000000/day"
	num, per, _ := strings.Cut(strings.TrimSpace(s), "/")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	switch strings.TrimSpace(per) {
	case "", "day", "d":
	case "h", "hour":
		v *= 24
	default:
		return 0, &wantError{reason: "a cost is per day or per hour", want: want}
	}
	if err != nil || !(v > 0) || v > 1e9 {
		return 0, &wantError{want: want}
	}
	return v, nil
}

// maxThink bounds a bot's pause: a longer one is a typo for a shorter unit.
const maxThink = time.Hour

// think is a bot's pause before each step, drawn from [Min, Max].
type think struct{ Min, Max time.Duration }

// parseThink reads "2s..20s", or one duration for a fixed pause.
func parseThink(s string) (think, error) {
	const want = "MIN..MAX such as 2s..20s, each at most 1h"
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		b = a
	}
	lo, err := scenarios.ParseDuration(a)
	if err != nil {
		return think{}, &wantError{want: want}
	}
	hi, err := scenarios.ParseDuration(b)
	switch {
	case err != nil:
		return think{}, &wantError{want: want}
	case hi < lo:
		return think{}, &wantError{reason: "MAX is shorter than MIN", want: want}
	case hi > maxThink:
		return think{}, &wantError{reason: "longer than 1h", want: want}
	}
	return think{lo, hi}, nil
}

func formatThink(t think) string { return formatDuration(t.Min) + ".." + formatDuration(t.Max) }

// parseHub reads a hub's address: ws://HOST:PORT, wss://..., http(s)://...
// (taken as ws(s)://) or HOST:PORT, and returns it as ws(s)://HOST:PORT
// with any path it had.
func parseHub(s string) (string, error) {
	const want = "the hub's address such as ws://127.0.0.1:8080"
	u := protocol.HubURL(s)
	if strings.IndexFunc(u, unicode.IsSpace) >= 0 {
		return "", &wantError{want: want}
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "ws" && p.Scheme != "wss") || p.User != nil || p.RawQuery != "" || p.Fragment != "" || !dialable(p.Host) {
		return "", &wantError{want: want}
	}
	return u, nil
}

// dialable reports whether hostport names a host, with a port from 1 to
// 65535 if it has one.
func dialable(hostport string) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil { // no port: an IPv6 address must be in brackets
		host = hostport
		if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
			host = host[1 : len(host)-1]
		} else if strings.Contains(host, ":") {
			return false
		}
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return false
	}
	return host != "" && !strings.ContainsAny(host, "[]")
}

// parseAgents reads the planner's staffing levels "20:80:5".
func parseAgents(s string) (sim.Sweep, error) {
	const want = "levels MIN:MAX:STEP such as 20:80:5 (agents in the peak interval)"
	w, err := sim.ParseSweep(s)
	if err != nil {
		return sim.Sweep{}, &wantError{want: want}
	}
	if err := w.Check(); err != nil {
		return sim.Sweep{}, &wantError{reason: err.Error(), want: want}
	}
	return w, nil
}

func formatSweep(w sim.Sweep) string {
	if w.IsZero() {
		return ""
	}
	return w.String()
}

// parseRisk reads the planner's risk target.
func parseRisk(s string) (plan.Risk, error) {
	r, err := plan.ParseRisk(s)
	if err != nil {
		// The want below says all that ParseRisk's own "want ..." says.
		reason, _, _ := strings.Cut(err.Error(), ": want ")
		return nil, &wantError{reason: reason,
			want: "conditions METRIC OP VALUE (OP one of <=, <, >=, >, ==) joined by commas, such as p_refund<=0.05, refund_p95<=5000"}
	}
	return r, nil
}

// kpiValues are --kpi flags: one value per KPI id, checked against the
// catalogue as each flag is read.
type kpiValues struct {
	ids  []string // in the order given
	vals sim.KPIValues
}

const kpiWant = "id=value such as satisfaction=0.87 (deskdrill kpis list shows the ids)"

func (k *kpiValues) wants() string { return kpiWant }

func (k *kpiValues) Set(s string) error {
	const want = kpiWant
	id, val, ok := strings.Cut(s, "=")
	if !ok {
		return &wantError{want: want}
	}
	id = strings.TrimSpace(id)
	if _, dup := k.vals[id]; dup {
		return &wantError{reason: fmt.Sprintf("%q is given twice", id), want: "one value per KPI such as satisfaction=0.87"}
	}
	v, err := scenarios.ParseKPIValue(id, val)
	if err != nil {
		return &wantError{reason: err.Error(), want: want}
	}
	if k.vals == nil {
		k.vals = sim.KPIValues{}
	}
	k.ids = append(k.ids, id)
	k.vals[id] = v
	return nil
}

func (k *kpiValues) String() string {
	if k == nil {
		return ""
	}
	parts := make([]string, len(k.ids))
	for i, id := range k.ids {
		parts[i] = id + "=" + formatFloat(k.vals[id])
	}
	return strings.Join(parts, ",")
}

func (k *kpiValues) Type() string { return "id=value" }

// explainFlagError turns pflag's errors about a flag's value into
// "--flag VALUE: want ..." (see wantError).
func explainFlagError(err error) error {
	var iv *pflag.InvalidValueError
	var vr *pflag.ValueRequiredError
	switch {
	case errors.As(err, &iv):
		f := iv.GetFlag()
		cause := iv.Unwrap()
		if _, ok := cause.(*wantError); !ok && f.Value.Type() == "bool" {
			cause = &wantError{want: fmt.Sprintf("true or false (such as --%s=false), or --%s alone for true", f.Name, f.Name)}
		}
		return fmt.Errorf("--%s %s: %w", f.Name, shown(iv.GetValue()), cause)
	case errors.As(err, &vr) && vr.GetFlag() != nil:
		f := vr.GetFlag()
		if w, ok := f.Value.(interface{ wants() string }); ok {
			return fmt.Errorf("--%s needs a value: %w", f.Name, &wantError{want: w.wants()})
		}
	}
	return err
}

// shown writes a value from the command line so that it can be read back
// in a message: as given when plain; quoted when empty or holding spaces,
// quotes or unprintable characters; cut after 40 characters.
func shown(v string) string {
	const max = 40
	cut := false
	if utf8.RuneCountInString(v) > max {
		v, cut = string([]rune(v)[:max]), true
	}
	odd := func(r rune) bool {
		return !unicode.IsGraphic(r) || unicode.IsSpace(r) || r == '"' || r == utf8.RuneError
	}
	if v != "" && utf8.ValidString(v) && strings.IndexFunc(v, odd) < 0 {
		if cut {
			return v + "…"
		}
		return v
	}
	if cut {
		return strconv.Quote(v) + "…"
	}
	return strconv.Quote(v)
}
