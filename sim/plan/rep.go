package plan

import (
	"github.com/deskdrill/deskdrill/sim"
)

// Rep is what one replication of one staffing leaves behind: a
// per-replication row. Summaries are computed from rows, never from
// pre-averaged figures, so shards of a plan merge exactly. Its JSON form
// is a row of a shard's reps.jsonl.
type Rep struct {
	// Index is the replication's index; its seed derives from the plan's
	// root seed and Index, the same at every staffing (common random
	// numbers).
	Index int `json:"index"`
	// KPIs holds the run's KPI values over the contract period, by KPI id.
	// A KPI with no observations (no ratings, no pre-sales buyers) is absent.
	KPIs map[string]float64 `json:"kpis"`
	// Missed holds, for each contract clause evaluated, whether it owed a
	// refund in this replication; keyed by the clause's KPI id.
	Missed map[string]bool `json:"missed,omitempty"`
	// Refund is the contract's refund for the period.
	Refund sim.Money `json:"refund"`
	// Disputes is the number of platform disputes ruled for the buyer, and
	// DisputeRefunds the money refunded to buyers through them.
	Disputes       int       `json:"disputes"`
	DisputeRefunds sim.Money `json:"dispute_refunds"`
	// Customers arrived; Served got an agent; Abandoned left before a
	// first valid reply (queued, or picked up and not yet answered), as
	// the abandon_rate KPI and the hours count.
	Customers int `json:"customers"`
	Served    int `json:"served"`
	Abandoned int `json:"abandoned"`
	// Hours holds the run hour by hour from the start, the scenario's hours
	// and those of the drain after it.
	Hours []Hour `json:"hours"`
}

// Hour is one hour of a replication, counted from the start. Buyers count
// in the hour they arrived, rounds in the hour they started.
type Hour struct {
	Arrived int `json:"arrived"`
	Served  int `json:"served"` // picked up by an agent in this hour
	// Abandoned buyers left before a first valid reply.
	Abandoned int `json:"abandoned"`
	// AnsweredIn30s buyers had their first valid reply within 30 s of
	// arriving. FirstReply is the histogram of the first-reply waits of
	// the buyers who got one (bins of ReplyBin), trailing empty bins cut.
	AnsweredIn30s int      `json:"answered_30s"`
	FirstReply    []uint32 `json:"first_reply,omitempty"`
	// Rounds started in the hour; RoundsIn3m answered within 3 minutes.
	Rounds     int `json:"rounds"`
	RoundsIn3m int `json:"rounds_3m"`
	// MeanQueue is the time-average number of buyers waiting for an agent;
	// MaxQueue the most at any instant.
	MeanQueue float64 `json:"queue_mean"`
	MaxQueue  int     `json:"queue_max"`
	// Agents is the number on duty at the start of the hour.
	Agents int `json:"agents"`
	// AgentTime, ChatTime and BusyTime integrate over the hour, in
	// seconds, the agents on duty, the chats held and the agents on duty
	// holding at least one chat.
	AgentTime float64 `json:"agent_s"`
	ChatTime  float64 `json:"chat_s"`
	BusyTime  float64 `json:"busy_s"`
}

// Level is one staffing of a plan with its replications, in index order.
type Level struct {
	// Agents is the number on duty in the peak interval; the others scale
	// with the scenario's staffing shape. For a roster or flat staffing it
	// is the most on duty in any hour.
	Agents int `json:"agents"`
	// AgentDays is the agent-days on duty over the scenario: Σ agents ×
	// interval length ÷ 24 h. The basis of agent cost.
	AgentDays float64 `json:"agent_days"`
	Reps      []Rep   `json:"-"`
}
