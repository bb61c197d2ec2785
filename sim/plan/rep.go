package plan

import (
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// Rep is what one replication of one staffing level leaves behind: a
// per-replication row. Summaries are computed from rows, never from
// pre-averaged figures, so shards of a plan merge exactly.
type Rep struct {
	// Index is the replication's index; its seed derives from the plan's
	// root seed and Index, the same at every staffing level (common random
	// numbers).
	Index int
	// KPIs holds the run's KPI values over the contract period, by KPI id.
	// A KPI with no observations (no ratings, no pre-sales buyers) is absent.
	KPIs map[string]float64
	// Missed holds, for each contract clause evaluated, whether it owed a
	// refund in this replication; keyed by the clause's KPI id.
	Missed map[string]bool
	// Refund is the contract's refund for the period.
	Refund sim.Money
	// Disputes is the number of platform disputes ruled for the buyer, and
	// DisputeRefunds the money refunded to buyers through them.
	Disputes       int
	DisputeRefunds sim.Money
	// Customers arrived; Served got an agent; Abandoned left unserved.
	Customers, Served, Abandoned int
	// Hours holds the run hour by hour (local clock hours of the scenario).
	Hours []Hour
}

// Hour is one clock hour of a replication.
type Hour struct {
	Start     time.Time
	Arrived   int
	Served    int // conversations that reached an agent in this hour
	Abandoned int
	// AnsweredIn30s counts conversations whose first valid reply came
	// within 30 s of arrival, among those that arrived in this hour.
	AnsweredIn30s int
	// MeanQueue is the time-average number of buyers waiting for a first
	// reply; MaxQueue the most at any instant.
	MeanQueue float64
	MaxQueue  int
	// Agents is the number on duty at the start of the hour.
	Agents int
}

// Level is one staffing level of a plan with its replications, in index
// order.
type Level struct {
	// Agents is the number on duty in the peak interval; the others scale
	// with the scenario's staffing shape.
	Agents int
	// AgentDays is the agent-days on duty over the scenario at this level:
	// Σ agents × interval length ÷ 24 h. The basis of agent cost.
	AgentDays float64
	Reps      []Rep
}
