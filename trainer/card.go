package trainer

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// Sitting is what one candidate's sitting of an exam left: the
// conversation of each item that arrived (by item id), what each customer
// said, and the trainers' reviews.
type Sitting struct {
	Exam      *Exam
	Candidate string
	Cohort    string
	// Run is the sitting's run id in the records (0 when not recorded).
	Run int64
	// Seed is the seed of the candidate's side when a bot sat the exam
	// (the customers have none: they are scripted).
	Seed           uint64
	Started, Ended time.Time
	Conversations  map[string]*sim.Conversation
	Reviews        []Review
}

// Review is a trainer's verdict on one conversation, replacing the
// automatic one where it says so (nil fields keep it).
type Review struct {
	Item         string    `json:"item"`
	Conversation string    `json:"conversation"`
	Correct      *bool     `json:"correct,omitempty"`
	HardFail     *bool     `json:"hard_fail,omitempty"`
	Score        *float64  `json:"score,omitempty"`
	Reason       string    `json:"reason"`
	By           string    `json:"by"`
	At           time.Time `json:"at"`
}

// Gate is one condition of the pass rule with its value and limit.
type Gate struct {
	Name  string  `json:"name"`
	Met   bool    `json:"met"`
	Value float64 `json:"value"`
	Limit float64 `json:"limit"`
	// Unit says how to read Value and Limit: "points", "share",
	// "seconds", "count".
	Unit string `json:"unit"`
	// Detail says what fell short, in words.
	Detail string `json:"detail,omitempty"`
}

// Verdict is an item's judgement.
type Verdict struct {
	Score    float64 `json:"score"`
	Correct  bool    `json:"correct"`
	HardFail bool    `json:"hard_fail"`
}

// ItemResult is one item on a report card.
type ItemResult struct {
	Item string `json:"item"`
	Case string `json:"case"`
	Kind string `json:"kind"`
	// Reached: the customer arrived before the sitting ended. An item
	// never reached scores 0.
	Reached      bool   `json:"reached"`
	Conversation string `json:"conversation,omitempty"`
	Verdict
	// Automatic is the scorer's verdict when a review changed it.
	Automatic     *Verdict        `json:"automatic,omitempty"`
	Review        *Review         `json:"review,omitempty"`
	Escalated     bool            `json:"escalated"`
	Dimensions    Dimensions      `json:"dimensions"`
	Deductions    []sim.Deduction `json:"deductions"`
	CustomerLines []string        `json:"customer_lines"`
}

// Dimensions are points per rubric dimension.
type Dimensions struct {
	Timeliness    float64 `json:"timeliness"`
	Resolution    float64 `json:"resolution"`
	Compliance    float64 `json:"compliance"`
	Communication float64 `json:"communication"`
	Efficiency    float64 `json:"efficiency"`
}

// Card is a candidate's report card (docs/exams.md).
type Card struct {
	Exam        string    `json:"exam"`
	ExamVersion string    `json:"exam_version"`
	Candidate   string    `json:"candidate"`
	Cohort      string    `json:"cohort,omitempty"`
	Run         int64     `json:"run,omitempty"`
	Seed        uint64    `json:"seed,omitempty"`
	Started     time.Time `json:"started"`
	Ended       time.Time `json:"ended"`
	Passed      bool      `json:"passed"`
	// Score is the mean of the item scores, every item counted.
	Score float64 `json:"score"`
	Band  string  `json:"band"`
	// Dimensions are the mean points of each dimension over the items
	// reached; Weights what each is out of.
	Dimensions Dimensions   `json:"dimensions"`
	Weights    Dimensions   `json:"weights"`
	Gates      []Gate       `json:"gates"`
	Items      []ItemResult `json:"items"`
	// Reviewed counts the reviewed conversations; AutomaticPassed and
	// AutomaticScore are the card before the reviews.
	Reviewed        int     `json:"reviewed"`
	AutomaticPassed bool    `json:"automatic_passed"`
	AutomaticScore  float64 `json:"automatic_score"`
}

// ItemPasses reports whether an item passes a sitting for pass^k (τ²-bench's
// measure): correct, no hard fail and at least 80 points.
func (r ItemResult) ItemPasses() bool { return r.Correct && !r.HardFail && r.Score >= 80 }

// allDay returns a copy of p counting every hour: an exam's gates are
// measured over the whole sitting, whenever it is sat.
func allDay(p *sim.PlatformProfile) *sim.PlatformProfile {
	c := *p
	c.BusinessHours = sim.ClockRange{}
	c.AnswerRateExcludes = nil
	return &c
}

// Grade builds the report card of a sitting: each item scored by the
// rubric (docs/scoring.md) under the exam's platform profile, reviews
// applied, the gates of the pass rule measured over the sitting, the band.
func Grade(st Sitting) Card {
	e := st.Exam
	w := sim.DefaultScoreWeights()
	card := Card{Exam: e.Name, ExamVersion: e.Version, Candidate: st.Candidate, Cohort: st.Cohort, Run: st.Run, Seed: st.Seed,
		Started: st.Started, Ended: st.Ended,
		Weights: Dimensions{w.Timeliness, w.Resolution, w.Compliance, w.Communication, w.Efficiency}}
	reviews := map[string]Review{}
	for _, r := range st.Reviews {
		reviews[r.Item] = r // the last review of an item stands
	}
	profile := allDay(e.Profile)
	cal := sim.NewCalendar(st.Started, max(st.Ended.Sub(st.Started), 0)+time.Hour)
	tally := sim.NewTally(cal, profile, 0)
	var sumAuto, sumReviewed float64
	var hardFails []string
	reached := 0
	var dims Dimensions
	var missed []string
	for _, it := range e.Items {
		res := ItemResult{Item: it.ID, Case: it.Case, Kind: it.Kind, CustomerLines: []string{}, Deductions: []sim.Deduction{}}
		c := st.Conversations[it.ID]
		if c != nil {
			// What the customer said is what the record holds: a line the
			// script meant to say after the agent had closed was never
			// delivered.
			for _, e := range c.Events {
				if e.Sender == sim.SenderCustomer && (e.Kind == sim.EventMessage || e.Kind == sim.EventEvidence) && e.Text != "" {
					res.CustomerLines = append(res.CustomerLines, e.Text)
				}
			}
			reached++
			res.Reached, res.Conversation = true, c.ID
			sc := sim.ScoreConversationBy(c, sim.ScoreRules{Profile: e.Profile})
			res.Verdict = Verdict{Score: sc.Total, Correct: sc.Correct, HardFail: sc.HardFail}
			res.Dimensions = Dimensions{sc.Timeliness, sc.Resolution, sc.Compliance, sc.Communication, sc.Efficiency}
			res.Deductions = sc.Deductions
			for _, a := range c.Actions() {
				res.Escalated = res.Escalated || a.Kind == sim.ActEscalate
			}
			s, rounds := sim.SessionOf(c, st.Started, sc.Correct)
			tally.AddSession(s, rounds)
			dims.add(res.Dimensions)
		}
		sumAuto += res.Score
		if r, ok := reviews[it.ID]; ok {
			auto := res.Verdict
			res.Automatic, res.Review = &auto, &r
			if r.Score != nil {
				res.Score = *r.Score
			}
			if r.Correct != nil {
				res.Correct = *r.Correct
			}
			if r.HardFail != nil {
				res.HardFail = *r.HardFail
			}
			if res.HardFail {
				// A hard fail caps the score, a reviewer's as the
				// scorer's (DOMAIN.md §4).
				res.Score = min(res.Score, sim.HardFailCap)
			}
			card.Reviewed++
		}
		sumReviewed += res.Score
		if res.HardFail {
			hardFails = append(hardFails, it.ID)
		}
		if it.Kind == KindMustEscalate && !res.Escalated {
			missed = append(missed, it.ID)
		}
		card.Items = append(card.Items, res)
	}
	n := float64(len(e.Items))
	card.Score = round2(sumReviewed / n)
	card.AutomaticScore = round2(sumAuto / n)
	card.Band = e.BandOf(card.Score)
	if reached > 0 {
		f := 1 / float64(reached)
		card.Dimensions = Dimensions{round2(dims.Timeliness * f), round2(dims.Resolution * f), round2(dims.Compliance * f),
			round2(dims.Communication * f), round2(dims.Efficiency * f)}
	}

	kpis := tally.KPIValues(0, 1, -1)
	card.Gates = gates(e, card.Score, hardFails, kpis, missed)
	card.Passed = allMet(card.Gates)
	var autoHard []string
	for _, r := range card.Items {
		v := r.Verdict
		if r.Automatic != nil {
			v = *r.Automatic
		}
		if v.HardFail {
			autoHard = append(autoHard, r.Item)
		}
	}
	card.AutomaticPassed = allMet(gates(e, card.AutomaticScore, autoHard, kpis, missed))
	return card
}

func (d *Dimensions) add(o Dimensions) {
	d.Timeliness += o.Timeliness
	d.Resolution += o.Resolution
	d.Compliance += o.Compliance
	d.Communication += o.Communication
	d.Efficiency += o.Efficiency
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func allMet(gs []Gate) bool {
	for _, g := range gs {
		if !g.Met {
			return false
		}
	}
	return true
}

// gates measures the pass rule (DOMAIN.md §4's certification example by
// default): the mean score, no hard fail, the 3-minute reply rate and the
// mean first response over the sitting, every must-escalate item
// escalated. A sitting with no rounds has no reply rate: the gate is
// missed (nothing was answered).
// Every missed gate says why in Detail.
func gates(e *Exam, score float64, hardFails []string, kpis map[string]float64, missed []string) []Gate {
	p := e.Pass
	var out []Gate
	g := Gate{Name: "mean_score", Value: score, Limit: *p.MeanScore, Unit: "points", Met: score >= *p.MeanScore}
	if !g.Met {
		g.Detail = fmt.Sprintf("mean score %.2f, below %.2f (every item counted, those not reached as 0)", score, *p.MeanScore)
	}
	out = append(out, g)
	if *p.NoHardFail {
		g := Gate{Name: "no_hard_fail", Value: float64(len(hardFails)), Limit: 0, Unit: "count", Met: len(hardFails) == 0}
		if !g.Met {
			g.Detail = "hard fail in " + joinIDs(hardFails)
		}
		out = append(out, g)
	}
	rate, ok := kpis["reply_rate_3min"]
	g = Gate{Name: "reply_rate_3min", Value: round4(rate), Limit: *p.ReplyRate3Min, Unit: "share", Met: ok && rate >= *p.ReplyRate3Min}
	switch {
	case !ok:
		g.Detail = "no round was answered"
	case !g.Met:
		g.Detail = fmt.Sprintf("%.1f %% of rounds answered within 3 minutes, below %.1f %%", 100*rate, 100**p.ReplyRate3Min)
	}
	out = append(out, g)
	first, ok := kpis["first_response_avg_s"]
	limit := p.FirstResponseAvg.Seconds()
	g = Gate{Name: "first_response_avg", Value: round2(first), Limit: limit, Unit: "seconds", Met: ok && first <= limit}
	switch {
	case !ok:
		g.Detail = "no conversation"
	case !g.Met:
		g.Detail = fmt.Sprintf("mean first response %.2f s, over %.0f s", first, limit)
	}
	out = append(out, g)
	if *p.MustEscalate {
		must := e.MustEscalate()
		g := Gate{Name: "must_escalate", Value: float64(len(must) - len(missed)), Limit: float64(len(must)), Unit: "count", Met: len(missed) == 0}
		if len(missed) > 0 {
			g.Detail = "not escalated: " + joinIDs(missed)
		}
		out = append(out, g)
	}
	return out
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func joinIDs(ids []string) string {
	out := ""
	for i, id := range slices.Clone(ids) {
		if i > 0 {
			out += ", "
		}
		out += id
	}
	return out
}
