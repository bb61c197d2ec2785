package trainer

import (
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"
)

// MinReliableN is the cohort size under which the report warns that α and
// the item statistics rest on too few candidates to trust.
const MinReliableN = 20

// CandidateRow is one candidate in a cohort report: the latest sitting.
type CandidateRow struct {
	Name   string  `json:"name"`
	Score  float64 `json:"score"`
	Passed bool    `json:"passed"`
	Band   string  `json:"band"`
	// Items holds the item scores in exam order (reviewed ones replace
	// automatic ones; an item never reached scores 0).
	Items    []float64 `json:"items"`
	Run      int64     `json:"run,omitempty"`
	Ended    time.Time `json:"ended"`
	Sittings int       `json:"sittings"`
	Reviewed int       `json:"reviewed"`
}

// ItemStat is one item's analysis.
type ItemStat struct {
	Item string `json:"item"`
	Case string `json:"case"`
	// Difficulty is the mean item score ÷ 100 (higher: easier).
	Difficulty float64 `json:"difficulty"`
	// Discrimination is the corrected item-total correlation: the Pearson
	// correlation of the item's scores with the candidates' totals over
	// the other items; null when either does not vary.
	Discrimination *float64 `json:"discrimination"`
	N              int      `json:"n"`
}

// Bin is a bar of the score distribution: scores in [From, To).
type Bin struct {
	From  float64 `json:"from"`
	To    float64 `json:"to"`
	Count int     `json:"count"`
}

// ReviewAgreement compares trainers' reviews with the automatic verdicts
// of the conversations they reviewed, on item pass/fail (correct, no hard
// fail, at least 80 points).
type ReviewAgreement struct {
	Reviewed int `json:"reviewed"`
	// Agreement is the share of reviewed conversations whose pass/fail the
	// review kept; Kappa is Cohen's κ of the two (null when undefined).
	Agreement *float64 `json:"agreement"`
	Kappa     *float64 `json:"kappa"`
}

// CohortReport is the trainer's view of a cohort (docs/exams.md).
type CohortReport struct {
	Exam       string         `json:"exam"`
	Cohort     string         `json:"cohort"`
	N          int            `json:"n"`
	Candidates []CandidateRow `json:"candidates"`
	// PassRate is null for a cohort with no graded sitting: no rate,
	// rather than a rate of 0 a training clause would refund on.
	PassRate *float64 `json:"pass_rate"`
	// TrainingPassRate is the pass rate as the KPI a vendor contract's
	// training clause refunds on.
	TrainingPassRate *float64 `json:"training_pass_rate"`
	// MeanScore is null with no graded sitting, as the pass rate.
	MeanScore *float64 `json:"mean_score"`
	// Alpha is Cronbach's α over the item scores; null when undefined
	// (fewer than two candidates or items, or no variance).
	Alpha        *float64        `json:"alpha"`
	Items        []ItemStat      `json:"items"`
	Distribution []Bin           `json:"distribution"`
	Reviews      ReviewAgreement `json:"reviews"`
	Notes        []string        `json:"notes,omitempty"`
}

// Cohort analyses the report cards of a cohort's sittings: each
// candidate's latest sitting counts (a retake is a new sitting), reviewed
// scores replace automatic ones. Formulas are in docs/exams.md.
func Cohort(e *Exam, cohort string, cards []Card) CohortReport {
	r := CohortReport{Exam: e.Name, Cohort: cohort, Candidates: []CandidateRow{}}
	latest := map[string]Card{}
	count := map[string]int{}
	for _, c := range cards {
		count[c.Candidate]++
		if l, ok := latest[c.Candidate]; !ok || c.Ended.After(l.Ended) || c.Ended.Equal(l.Ended) && c.Run > l.Run {
			latest[c.Candidate] = c
		}
	}
	retakes := 0
	for _, c := range latest {
		row := CandidateRow{Name: c.Candidate, Score: c.Score, Passed: c.Passed, Band: c.Band, Run: c.Run, Ended: c.Ended,
			Sittings: count[c.Candidate], Reviewed: c.Reviewed}
		for _, it := range c.Items {
			row.Items = append(row.Items, it.Score)
		}
		if row.Sittings > 1 {
			retakes++
		}
		r.Candidates = append(r.Candidates, row)
	}
	// The leaderboard: best first; ties by name so the order is stable.
	slices.SortFunc(r.Candidates, func(a, b CandidateRow) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return cmpString(a.Name, b.Name)
	})
	r.N = len(r.Candidates)
	if retakes > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d candidates sat more than once: each one's latest sitting counts", retakes))
	}
	if r.N == 0 {
		r.Notes = append(r.Notes, "no sittings in this cohort yet")
		return r
	}
	passed := 0
	totals := make([]float64, r.N)
	for i, c := range r.Candidates {
		if c.Passed {
			passed++
		}
		totals[i] = c.Score
	}
	rate := float64(passed) / float64(r.N)
	r.PassRate, r.TrainingPassRate = &rate, &rate
	mean := round2(stat.Mean(totals, nil))
	r.MeanScore = &mean
	r.Distribution = distribution(totals)

	k := len(e.Items)
	scores := make([][]float64, k) // scores[item][candidate]
	for j := range k {
		scores[j] = make([]float64, r.N)
		for i, c := range r.Candidates {
			if j < len(c.Items) {
				scores[j][i] = c.Items[j]
			}
		}
	}
	for j, it := range e.Items {
		st := ItemStat{Item: it.ID, Case: it.Case, N: r.N, Difficulty: round4(stat.Mean(scores[j], nil) / 100)}
		rest := make([]float64, r.N)
		for i := range r.N {
			for jj := range k {
				if jj != j {
					rest[i] += scores[jj][i]
				}
			}
		}
		if v := stat.Correlation(scores[j], rest, nil); !math.IsNaN(v) && !math.IsInf(v, 0) && r.N > 2 {
			v = round4(v)
			st.Discrimination = &v
		}
		r.Items = append(r.Items, st)
	}
	r.Alpha = cronbach(scores)
	if r.N < MinReliableN {
		r.Notes = append(r.Notes, fmt.Sprintf("only %d candidates: α and the item statistics need at least %d to be trusted", r.N, MinReliableN))
	}
	var auto, reviewed []bool
	for _, c := range cards {
		if latest[c.Candidate].Run != c.Run || !latest[c.Candidate].Ended.Equal(c.Ended) {
			continue
		}
		for _, it := range c.Items {
			if it.Automatic == nil {
				continue
			}
			a := ItemResult{Verdict: *it.Automatic}
			auto = append(auto, a.ItemPasses())
			reviewed = append(reviewed, it.ItemPasses())
		}
	}
	r.Reviews = agreement(auto, reviewed)
	if n := r.Reviews.Reviewed; n > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d conversations were reviewed: their reviewed scores replace the automatic ones", n))
	}
	return r
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cronbach returns Cronbach's α of the item scores (scores[item][candidate]):
// k ÷ (k − 1) × (1 − Σ var(item) ÷ var(total)), with sample variances; nil
// when it is undefined.
func cronbach(scores [][]float64) *float64 {
	k := len(scores)
	if k < 2 || len(scores[0]) < 2 {
		return nil
	}
	n := len(scores[0])
	totals := make([]float64, n)
	sumVar := 0.0
	for _, s := range scores {
		sumVar += stat.Variance(s, nil)
		for i, v := range s {
			totals[i] += v
		}
	}
	vt := stat.Variance(totals, nil)
	if !(vt > 0) {
		return nil
	}
	a := round4(float64(k) / float64(k-1) * (1 - sumVar/vt))
	return &a
}

// distribution counts scores in bars of 10 points, 0–10 … 90–100 (100 in
// the last).
func distribution(scores []float64) []Bin {
	bins := make([]Bin, 10)
	for i := range bins {
		bins[i] = Bin{From: float64(i * 10), To: float64(i*10 + 10)}
	}
	for _, s := range scores {
		i := min(9, max(0, int(s/10)))
		bins[i].Count++
	}
	return bins
}

// agreement is the share of agreeing pairs and Cohen's κ: (po − pe) ÷
// (1 − pe), pe the agreement expected by chance from each side's pass
// rate.
func agreement(a, b []bool) ReviewAgreement {
	out := ReviewAgreement{Reviewed: len(a)}
	if len(a) == 0 {
		return out
	}
	same, pa, pb := 0, 0, 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
		if a[i] {
			pa++
		}
		if b[i] {
			pb++
		}
	}
	n := float64(len(a))
	po := float64(same) / n
	pe := float64(pa)/n*float64(pb)/n + (1-float64(pa)/n)*(1-float64(pb)/n)
	po4 := round4(po)
	out.Agreement = &po4
	if pe < 1 {
		k := round4((po - pe) / (1 - pe))
		out.Kappa = &k
	}
	return out
}

// PassK is τ²-bench's pass^k over k sittings of the same exam: the share
// of items that passed in every one of them (ItemPasses).
func PassK(e *Exam, cards []Card) float64 {
	if len(cards) == 0 || len(e.Items) == 0 {
		return 0
	}
	all := 0
	for j := range e.Items {
		ok := true
		for _, c := range cards {
			ok = ok && j < len(c.Items) && c.Items[j].ItemPasses()
		}
		if ok {
			all++
		}
	}
	return float64(all) / float64(len(e.Items))
}
