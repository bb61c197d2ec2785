package sim

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// AgentModel is a statistical agent for the virtual engine: how long a
// conversation occupies an agent, how often the agent resolves it
// correctly, and how holding several chats slows each one.
//
// The handle time of a case is Cases[id].HandleTime when given, else
// HandleTime scaled by the case's Effort (see [Case]). Its accuracy is
// Cases[id].Accuracy when given, else Accuracy.
//
// With n chats open, each chat's handle time is multiplied by
// n ÷ Capacity[n-1]: Capacity is the throughput of n chats relative to
// one, so an agent at 3 chats with the default curve finishes 2.5 times
// as many conversations per hour as at 1, each taking 1.2 times as long.
type AgentModel struct {
	// HandleTime is the time a case of effort 1 occupies an agent who holds
	// no other chat, from the first reply to the close.
	HandleTime Dist `yaml:"handle_time"`
	// FirstReply is the part of the handle time from picking a chat up to
	// the first valid reply (with one chat; slowed like the rest).
	FirstReply Dist `yaml:"first_reply"`
	// Reply is the work of each later reply, from the buyer's message to
	// the agent's answer; nil takes FirstReply.
	Reply *Dist `yaml:"reply"`
	// Rounds is the mean number of buyer turns of a conversation (at least
	// 1): 1 + a Poisson number with mean Rounds − 1. The handle time after
	// the first reply is spread over the later turns.
	Rounds float64 `yaml:"rounds"`
	// EscalationWork is the extra time a conversation the buyer escalates
	// to a supervisor occupies the agent (the hand-over).
	EscalationWork time.Duration `yaml:"escalation_work"`
	// Accuracy is the probability of a correct resolution (the ending and
	// the required steps of the decision table).
	Accuracy float64              `yaml:"accuracy"`
	Cases    map[string]AgentCase `yaml:"cases"`
	// Capacity[n-1] is the relative throughput with n concurrent chats.
	Capacity []float64 `yaml:"capacity"`
	// UnansweredClose is the share of conversations the agent closes while
	// the buyer's last message still waits for a reply: that round goes
	// unanswered (a response timeout, and the profile's unanswered-round
	// value in the average response time). 0 by default; calibrations of
	// real agents and bots find it.
	UnansweredClose float64 `yaml:"unanswered_close"`
}

// AgentCase overrides the agent model for one case. Nil fields fall back
// to the model's defaults.
type AgentCase struct {
	HandleTime *Dist    `yaml:"handle_time"`
	Accuracy   *float64 `yaml:"accuracy"`
}

// DefaultCapacity is the rule-of-thumb concurrency curve of DOMAIN.md §1
// for 1 to 5 concurrent chats.
func DefaultCapacity() []float64 { return []float64{1.0, 1.7, 2.5, 2.9, 3.5} }

// DefaultAgentModel returns the agent model of a scenario that gives none;
// a file's agent section starts from it. The numbers are ours: a 6-minute
// lognormal handle time (CV 0.7) for an average case, 93 % accuracy (a
// trained vendor team), a 20-second first reply and four buyer turns.
func DefaultAgentModel() *AgentModel {
	return &AgentModel{
		HandleTime:     Lognormal(6*time.Minute, 0.7),
		FirstReply:     Lognormal(20*time.Second, 0.6),
		Rounds:         4,
		EscalationWork: 2 * time.Minute,
		Accuracy:       0.93,
		Capacity:       DefaultCapacity(),
	}
}

// HandleTimeFor returns the handle-time distribution of a case.
func (m *AgentModel) HandleTimeFor(caseID string) Dist {
	if c, ok := m.Cases[caseID]; ok && c.HandleTime != nil {
		return *c.HandleTime
	}
	if c, ok := LookupCase(caseID); ok && c.Effort > 0 {
		return m.HandleTime.Scale(c.Effort)
	}
	return m.HandleTime
}

// AccuracyFor returns the probability of a correct resolution of a case.
func (m *AgentModel) AccuracyFor(caseID string) float64 {
	if c, ok := m.Cases[caseID]; ok && c.Accuracy != nil {
		return *c.Accuracy
	}
	return m.Accuracy
}

// ReplyWork returns the distribution of the work of a later reply.
func (m *AgentModel) ReplyWork() Dist {
	if m.Reply != nil {
		return *m.Reply
	}
	return m.FirstReply
}

// Slowdown returns the factor each chat's handle time is multiplied by
// when an agent holds n chats: n ÷ Capacity[n-1]. n is at least 1 and at
// most len(Capacity).
func (m *AgentModel) Slowdown(n int) float64 {
	return float64(n) / m.Capacity[n-1]
}

// Validate checks m on its own; errors carry field paths relative to it
// ("first_reply.mean", "capacity[1]").
func (m *AgentModel) Validate() error {
	var fe fieldErrors
	m.check(&fe, "")
	return errors.Join(fe...)
}

func (m *AgentModel) check(fe *fieldErrors, path string) {
	m.HandleTime.check(fe, fieldPath(path, "handle_time"))
	m.FirstReply.check(fe, fieldPath(path, "first_reply"))
	if m.Reply != nil {
		m.Reply.check(fe, fieldPath(path, "reply"))
	}
	if !(m.Rounds >= 1 && m.Rounds <= 100) {
		fe.add(fieldPath(path, "rounds"), "%v: want the mean buyer turns per conversation, from 1 to 100", m.Rounds)
	}
	checkSpan(fe, fieldPath(path, "escalation_work"), m.EscalationWork)
	checkProbability(fe, fieldPath(path, "accuracy"), m.Accuracy)
	checkProbability(fe, fieldPath(path, "unanswered_close"), m.UnansweredClose)
	for _, id := range sortedMapKeys(m.Cases) {
		p := fieldPath(path, "cases."+id)
		if _, ok := LookupCase(id); !ok {
			fe.add(p, "%v", &UnknownCaseError{ID: id})
			continue
		}
		c := m.Cases[id]
		if c.HandleTime != nil {
			c.HandleTime.check(fe, p+".handle_time")
		}
		if c.Accuracy != nil {
			checkProbability(fe, p+".accuracy", *c.Accuracy)
		}
	}
	if len(m.Capacity) == 0 {
		fe.add(fieldPath(path, "capacity"), "at least one value is required (1.0 for one chat)")
	}
	for i, c := range m.Capacity {
		p := fmt.Sprintf("%s[%d]", fieldPath(path, "capacity"), i)
		switch {
		case !(c > 0) || math.IsInf(c, 0):
			fe.add(p, "%v: a capacity must be above zero", c)
		case c > float64(i+1):
			fe.add(p, "%v: %d chats cannot do more than %d times the work of one", c, i+1, i+1)
		case i > 0 && c < m.Capacity[i-1]:
			fe.add(p, "%v is below the capacity with one chat fewer (%v): the curve must not fall", c, m.Capacity[i-1])
		}
	}
}
