package sim

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Honesty is how truthfully a synthetic buyer describes the problem.
type Honesty string

// The honesty levels (DOMAIN.md §3).
const (
	Honest       Honesty = "honest"
	Exaggerating Honesty = "exaggerating" // overstates the damage or the wait
	Abusive      Honesty = "abusive"      // claims what did not happen (refund abuse)
)

var honesties = []Honesty{Honest, Exaggerating, Abusive}

// NudgeStyle is what a buyer sends when patience for a turn runs out.
type NudgeStyle string

// The nudge styles.
const (
	NudgeZaiMa  NudgeStyle = "zai_ma" // "在吗?" / "hello?"
	NudgeRepeat NudgeStyle = "repeat" // repeats the question
	NudgeEmoji  NudgeStyle = "emoji"  // an impatient emoji
	NudgeNone   NudgeStyle = "none"   // says nothing and waits (or leaves)
)

var nudgeStyles = []NudgeStyle{NudgeZaiMa, NudgeRepeat, NudgeEmoji, NudgeNone}

// EscalationStep is one rung of a buyer's escalation ladder.
type EscalationStep string

// The escalation steps, in ladder order (DOMAIN.md §3).
const (
	StepPerson     EscalationStep = "person"          // asks for a human (from a bot)
	StepSupervisor EscalationStep = "supervisor"      // asks for a supervisor
	StepBadReview  EscalationStep = "bad_review"      // threatens or leaves a bad review
	StepPlatform   EscalationStep = "platform"        // asks the platform to intervene
	Step12315      EscalationStep = "complaint_12315" // complains to the 12315 consumer hotline
)

// EscalationSteps returns the steps in ladder order.
func EscalationSteps() []EscalationStep {
	return []EscalationStep{StepPerson, StepSupervisor, StepBadReview, StepPlatform, Step12315}
}

// MaxTension is the top of the tension scale; tension runs from 0 (calm) to
// 10 (furious).
const MaxTension = 10.0

// Rung fires Step when the buyer's tension reaches Tension or after Waits
// turns in a row whose patience ran out without a valid reply. A zero
// Tension or Waits disables that trigger.
type Rung struct {
	Step    EscalationStep `yaml:"step"`
	Tension float64        `yaml:"tension"`
	Waits   int            `yaml:"waits"`
}

// Tension is a persona's starting tension and how strongly it reacts:
// waits, wrong statements and dismissals raise tension by their base amount
// times Sensitivity; acknowledgement, apology and a concrete action with a
// time lower it.
type Tension struct {
	Start       float64 `yaml:"start"`
	Sensitivity float64 `yaml:"sensitivity"`
}

// Persona is a kind of synthetic buyer: how long it waits, how it nudges,
// how it escalates, how honest it is, how much it writes and whether it
// rates. A scenario mixes personas by Weight.
type Persona struct {
	Name   string  `yaml:"name"`
	Weight float64 `yaml:"weight"`
	// Patience is how long the buyer waits for a reply in one turn before
	// nudging (or, past the ladder, leaving).
	Patience Dist       `yaml:"patience"`
	Nudge    NudgeStyle `yaml:"nudge"`
	// Nudges is how many times in one turn the buyer waits again (with a
	// nudge in its style, or silently for style none) when its patience
	// runs out, before it leaves. Each wait draws a fresh patience.
	Nudges  int     `yaml:"nudges"`
	Tension Tension `yaml:"tension"`
	// Ladder lists the escalation rungs in ladder order.
	Ladder  []Rung  `yaml:"ladder"`
	Honesty Honesty `yaml:"honesty"`
	// Chattiness is the mean number of messages per buyer turn (1 = one
	// message; 2.5 = bursts).
	Chattiness float64 `yaml:"chattiness"`
	// RateProbability is the chance the buyer rates a finished
	// conversation (the outcome model lowers it for abandoned ones).
	RateProbability float64 `yaml:"rate_probability"`
}

// DefaultLadder is the escalation ladder of a persona that gives none.
func DefaultLadder() []Rung {
	return []Rung{
		{Step: StepPerson, Tension: 3},
		{Step: StepSupervisor, Tension: 6},
		{Step: StepBadReview, Tension: 8, Waits: 3},
		{Step: StepPlatform, Tension: 9, Waits: 4},
		{Step: Step12315, Tension: 10},
	}
}

// DefaultPersona is the starting point of a persona in a file: every field
// the file leaves out keeps this value.
func DefaultPersona() Persona {
	return Persona{
		Weight:          1,
		Patience:        Lognormal(2*time.Minute, 0.8),
		Nudge:           NudgeZaiMa,
		Nudges:          2,
		Tension:         Tension{Start: 2, Sensitivity: 1},
		Ladder:          DefaultLadder(),
		Honesty:         Honest,
		Chattiness:      1.5,
		RateProbability: 0.3,
	}
}

// DefaultPersonas is the persona mix of a scenario that gives none. The
// numbers are ours, to be calibrated against a live trial.
func DefaultPersonas() []Persona {
	p := func(name string, w float64, patience Dist, nudge NudgeStyle, start, sens float64, h Honesty, chat, rate float64) Persona {
		x := DefaultPersona()
		x.Name, x.Weight, x.Patience, x.Nudge = name, w, patience, nudge
		x.Tension = Tension{Start: start, Sensitivity: sens}
		x.Honesty, x.Chattiness, x.RateProbability = h, chat, rate
		return x
	}
	angry := p("angry", 0.12, Dist{Kind: DistWeibull, Mean: time.Minute, CV: 0.5}, NudgeRepeat, 6, 1.6, Exaggerating, 2.5, 0.45)
	angry.Ladder = []Rung{
		{Step: StepSupervisor, Tension: 5},
		{Step: StepBadReview, Tension: 7, Waits: 2},
		{Step: StepPlatform, Tension: 8, Waits: 3},
		{Step: Step12315, Tension: 9.5},
	}
	return []Persona{
		p("calm", 0.45, Lognormal(3*time.Minute, 0.6), NudgeZaiMa, 1, 0.8, Honest, 1.3, 0.35),
		p("hurried", 0.30, Exponential(75*time.Second), NudgeRepeat, 3, 1.3, Honest, 2.0, 0.25),
		angry,
		p("quiet", 0.10, Lognormal(5*time.Minute, 1.0), NudgeNone, 1, 0.6, Honest, 1.0, 0.15),
		p("abuser", 0.03, Lognormal(4*time.Minute, 0.5), NudgeZaiMa, 2, 0.8, Abusive, 1.2, 0.10),
	}
}

// check appends p's problems under path ("personas[0]").
func (p *Persona) check(fe *fieldErrors, path string) {
	if p.Name == "" {
		fe.add(path+".name", "is required")
	}
	checkWeight(fe, path+".weight", p.Weight)
	p.Patience.check(fe, path+".patience")
	if !slices.Contains(nudgeStyles, p.Nudge) {
		fe.add(path+".nudge", "%q: want one of %v", p.Nudge, nudgeStyles)
	}
	if p.Nudges < 0 || p.Nudges > 20 {
		fe.add(path+".nudges", "%d: want 0 (leaves when its patience first runs out) to 20", p.Nudges)
	}
	if !(p.Tension.Start >= 0 && p.Tension.Start <= MaxTension) {
		fe.add(path+".tension.start", "%v: tension runs from 0 to 10", p.Tension.Start)
	}
	if !(p.Tension.Sensitivity >= 0 && p.Tension.Sensitivity <= 10) {
		fe.add(path+".tension.sensitivity", "%v: want a multiplier from 0 (never tenses) to 10", p.Tension.Sensitivity)
	}
	steps := EscalationSteps()
	last, lastTension := -1, 0.0
	for i, r := range p.Ladder {
		rp := fmt.Sprintf("%s.ladder[%d]", path, i)
		at := slices.Index(steps, r.Step)
		switch {
		case at < 0:
			fe.add(rp+".step", "%q: want one of %v", r.Step, steps)
		case at <= last:
			fe.add(rp+".step", "%s cannot follow %s: list rungs in ladder order (%v), each once", r.Step, steps[last], steps)
		default:
			last = at
		}
		switch {
		case !(r.Tension >= 0 && r.Tension <= MaxTension):
			fe.add(rp+".tension", "%v: tension runs from 0 to 10 (0 = not fired by tension)", r.Tension)
		case r.Tension > 0 && r.Tension < lastTension:
			fe.add(rp+".tension", "%v is below the rung before (%v): a higher rung needs at least as much tension", r.Tension, lastTension)
		case r.Tension > 0:
			lastTension = r.Tension
		}
		if r.Waits < 0 {
			fe.add(rp+".waits", "must not be negative")
		}
		if r.Tension == 0 && r.Waits == 0 {
			fe.add(rp, "a rung needs a tension, waits or both to fire")
		}
	}
	if p.Honesty == "" || !slices.Contains(honesties, p.Honesty) {
		fe.add(path+".honesty", "%q: want one of %v", p.Honesty, honesties)
	}
	if !(p.Chattiness >= 1 && p.Chattiness <= 20) {
		fe.add(path+".chattiness", "%v: want the mean messages per turn, from 1 to 20", p.Chattiness)
	}
	checkProbability(fe, path+".rate_probability", p.RateProbability)
}

func checkWeight(fe *fieldErrors, path string, w float64) {
	if !(w >= 0) || math.IsInf(w, 0) {
		fe.add(path, "%v: a weight must be zero or more", w)
	}
}

func checkProbability(fe *fieldErrors, path string, p float64) {
	if !(p >= 0 && p <= 1) {
		fe.add(path, "%v: a probability lies in [0, 1]", p)
	}
}
