package sim

// How tension moves (DOMAIN.md §3). The amounts are ours: a wait that
// outlasts the buyer's patience raises tension by WaitTension × the
// persona's sensitivity; a wrong resolution by WrongTension × sensitivity;
// a correct one with a concrete action lowers it by ReliefTension.
const (
	WaitTension   = 1.0
	WrongTension  = 2.0
	ReliefTension = 2.0
)

// Buyer is the state of one synthetic buyer during a conversation: its
// tension, how many waits in a row outlasted its patience, the rungs of its
// escalation ladder fired so far and the nudges of the current turn. Both
// engines drive it with the same calls, so a buyer behaves the same in a
// live run and in the planner. The zero value is not usable; see NewBuyer.
type Buyer struct {
	Persona *Persona
	Tension float64
	// Waits counts consecutive patience expiries without a valid reply.
	Waits int
	// Fired is how many rungs of the persona's ladder have fired.
	Fired int
	// Nudged counts the nudges of the current turn.
	Nudged int
}

// NewBuyer returns a buyer of persona p at its starting tension.
func NewBuyer(p *Persona) Buyer {
	return Buyer{Persona: p, Tension: p.Tension.Start}
}

// Steps is a set of escalation steps, one bit per step in ladder order.
type Steps uint8

// Has reports whether s holds step.
func (s Steps) Has(step EscalationStep) bool { return s&stepBit(step) != 0 }

func stepBit(step EscalationStep) Steps {
	switch step {
	case StepPerson:
		return 1
	case StepSupervisor:
		return 2
	case StepBadReview:
		return 4
	case StepPlatform:
		return 8
	case Step12315:
		return 16
	}
	return 0
}

func (b *Buyer) raise(amount float64) {
	b.Tension = min(MaxTension, max(0, b.Tension+amount))
}

// ladder fires the rungs whose tension or waits are reached, in order; a
// rung not reached stops the climb.
func (b *Buyer) ladder() Steps {
	var fired Steps
	for b.Fired < len(b.Persona.Ladder) {
		r := b.Persona.Ladder[b.Fired]
		if !(r.Tension > 0 && b.Tension >= r.Tension) && !(r.Waits > 0 && b.Waits >= r.Waits) {
			break
		}
		fired |= stepBit(r.Step)
		b.Fired++
	}
	return fired
}

// OutOfPatience is called when a wait for a reply outlasts the buyer's
// patience. Tension rises; the buyer nudges and waits again while it has
// nudges left this turn, else it leaves. It returns whether the buyer
// leaves and the ladder steps this fired.
func (b *Buyer) OutOfPatience() (leave bool, fired Steps) {
	b.Waits++
	b.raise(WaitTension * b.Persona.Tension.Sensitivity)
	fired = b.ladder()
	if b.Nudged >= b.Persona.Nudges {
		return true, fired
	}
	b.Nudged++
	return false, fired
}

// Replied is called when a valid reply reaches the buyer: a new turn
// begins.
func (b *Buyer) Replied() {
	b.Waits = 0
	b.Nudged = 0
}

// Resolved is called with the resolution's correctness q in [0, 1]: a
// wrong resolution raises tension (and may fire rungs), a correct one
// lowers it.
func (b *Buyer) Resolved(q float64) Steps {
	b.raise(WrongTension*b.Persona.Tension.Sensitivity*(1-q) - ReliefTension*q)
	return b.ladder()
}
