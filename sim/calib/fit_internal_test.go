package calib

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/deskdrill/deskdrill/sim"
)

// Without censoring the log-normal's maximum likelihood is the mean and
// the standard deviation (divided by n) of the logs.
func TestFitRegression_UncensoredIsMeanAndSDOfLogs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var data []obs
	var logs []float64
	for range 500 {
		y := 2 + 0.7*r.NormFloat64()
		logs = append(logs, y)
		data = append(data, obs{y: y, x: []float64{1}})
	}
	reg, err := fitRegression(data, 1)
	if err != nil {
		t.Fatal(err)
	}
	mean := stat.Mean(logs, nil)
	sd := math.Sqrt(stat.Variance(logs, nil) * float64(len(logs)-1) / float64(len(logs)))
	if math.Abs(reg.beta[0]-mean) > 1e-12 || math.Abs(reg.sigma-sd) > 1e-12 {
		t.Errorf("μ, σ = %v, %v; want the logs' mean %v and sd %v", reg.beta[0], reg.sigma, mean, sd)
	}
	// The information is n/σ² for μ and 2n for log σ.
	if v, want := reg.cov.At(0, 0), sd*sd/500; math.Abs(v-want) > 1e-6*want {
		t.Errorf("var(μ) = %v; want σ²/n = %v", v, want)
	}
	if v, want := reg.cov.At(1, 1), 1.0/1000; math.Abs(v-want) > 1e-4*want {
		t.Errorf("var(log σ) = %v; want 1/(2n) = %v", v, want)
	}
}

// A censored regression recovers its parameters: durations log-normal
// times a factor by level, a third of them cut at a random time. Each
// estimate lies within 4 of its own standard errors of the truth, and the
// naive fit that drops the censored values does not.
func TestFitRegression_RecoversCensored(t *testing.T) {
	const n = 6000
	mu, b2, b3, sigma := 3.0, 0.16, 0.18, 0.6
	r := rand.New(rand.NewPCG(7, 8))
	var data, naive []obs
	cens := 0
	for i := range n {
		x := []float64{1, 0, 0}
		y := mu + sigma*r.NormFloat64()
		switch i % 3 {
		case 1:
			x[1], y = 1, y+b2
		case 2:
			x[2], y = 1, y+b3
		}
		c := mu + 0.3 + 0.8*r.NormFloat64() // the cut
		o := obs{y: y, x: x}
		if c < y {
			o.y, o.censored = c, true
			cens++
		} else {
			naive = append(naive, o)
		}
		data = append(data, o)
	}
	if cens < n/5 {
		t.Fatalf("only %d of %d censored; the test wants many", cens, n)
	}
	reg, err := fitRegression(data, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reg.converged {
		t.Error("did not converge")
	}
	for j, want := range []float64{mu, b2, b3} {
		se := math.Sqrt(reg.cov.At(j, j))
		if d := math.Abs(reg.beta[j] - want); d > 4*se {
			t.Errorf("β%d = %.4f ± %.4f; want %.4f within 4 SE", j, reg.beta[j], se, want)
		}
	}
	se := math.Sqrt(reg.cov.At(3, 3))
	if d := math.Abs(math.Log(reg.sigma) - math.Log(sigma)); d > 4*se {
		t.Errorf("σ = %.4f; want %.4f within 4 SE of log σ (%.4f)", reg.sigma, sigma, se)
	}
	nv, err := fitRegression(naive, 3)
	if err != nil {
		t.Fatal(err)
	}
	if se := math.Sqrt(nv.cov.At(0, 0)); math.Abs(nv.beta[0]-mu) < 4*se {
		t.Errorf("dropping the censored values gave μ %.4f, within 4 SE of the truth: the test does not tell censoring apart", nv.beta[0])
	}
}

// Groups of observations with spreads of their own (the first replies and
// the later ones): the fit recovers β and each group's σ within 4 of its
// own standard errors, and the shared coefficient (a level of chats held)
// is estimated far more precisely than by a fit with one σ for all, whose
// noisy group would swamp the quiet one.
func TestFitRegression_GroupSpreads(t *testing.T) {
	const n = 2400
	beta := []float64{1.6, 0.3, 0.1} // intercept, later, level 2
	sigmas := []float64{0.4, 2.0}
	r := rand.New(rand.NewPCG(11, 12))
	var data, pooled []obs
	for i := range n {
		g, lvl := i%2, (i/2)%2
		x := []float64{1, float64(g), float64(lvl)}
		y := dot(x, beta) + sigmas[g]*r.NormFloat64()
		data = append(data, obs{y: y, x: x, group: g})
		pooled = append(pooled, obs{y: y, x: x})
	}
	reg, err := fitRegression(data, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !reg.converged {
		t.Error("did not converge")
	}
	for j, want := range beta {
		if se, d := math.Sqrt(reg.cov.At(j, j)), math.Abs(reg.beta[j]-want); d > 4*se {
			t.Errorf("β%d = %.4f ± %.4f; want %.4f within 4 SE", j, reg.beta[j], se, want)
		}
	}
	for g, want := range sigmas {
		if se, d := math.Sqrt(reg.cov.At(3+g, 3+g)), math.Abs(math.Log(reg.sigmas[g])-math.Log(want)); d > 4*se {
			t.Errorf("σ%d = %.4f; want %.4f within 4 SE of log σ (%.4f)", g, reg.sigmas[g], want, se)
		}
	}
	one, err := fitRegression(pooled, 3)
	if err != nil {
		t.Fatal(err)
	}
	// The information about the level's coefficient is about
	// n/4 × (1/σ0² + 1/σ1²) against n/2 ÷ (σ0² + σ1²)/2 with one σ: a
	// standard error under 0.4 of the pooled one.
	if se, se1 := math.Sqrt(reg.cov.At(2, 2)), math.Sqrt(one.cov.At(2, 2)); se > 0.4*se1 {
		t.Errorf("the level's standard error is %.4f with a σ per group and %.4f with one; want under 0.4 of it", se, se1)
	}
}

func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		// Wilson score intervals, z = 1.959964 (Newcombe 1998, table I: 81/263 → 0.2553–0.3662).
		{81, 263, 0.2553, 0.3662},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
	} {
		_, lo, hi := wilson(tc.k, tc.n)
		if math.Abs(lo-tc.lo) > 5e-5 || math.Abs(hi-tc.hi) > 5e-5 {
			t.Errorf("wilson(%d, %d) = [%.4f, %.4f]; want [%.4f, %.4f]", tc.k, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
}

func TestKS(t *testing.T) {
	// Kolmogorov's distribution: P(K > 1.358) = 0.05, P(K > 1.628) = 0.01.
	for _, tc := range []struct{ lambda, p float64 }{{1.3581, 0.05}, {1.6276, 0.01}} {
		if got := kolmogorovQ(tc.lambda); math.Abs(got-tc.p) > 2e-4 {
			t.Errorf("Q(%v) = %.5f; want %.2f", tc.lambda, got, tc.p)
		}
	}
	// A sample from the distribution keeps a high p-value; the same sample
	// against a shifted distribution does not.
	r := rand.New(rand.NewPCG(3, 4))
	ln := distuv.LogNormal{Mu: 1, Sigma: 0.5, Src: r}
	xs := make([]float64, 2000)
	for i := range xs {
		xs[i] = ln.Rand()
	}
	none := make([]bool, len(xs))
	if d, p, n := ksCensored(xs, none, ln.CDF); p < 0.01 || n != len(xs) || d > 0.05 {
		t.Errorf("own distribution: D %.4f, p %.4f, n %d; want a high p", d, p, n)
	}
	shifted := distuv.LogNormal{Mu: 1.1, Sigma: 0.5}
	if _, p, _ := ksCensored(xs, none, shifted.CDF); p > 1e-6 {
		t.Errorf("shifted distribution: p %.4g; want it rejected", p)
	}
}

func TestPatience(t *testing.T) {
	// Exponential waits of mean 100 s, each cut by a reply at 60 s: the
	// exponential MLE (time waited ÷ leaves) is unbiased for the mean, and
	// the interval covers it.
	r := rand.New(rand.NewPCG(5, 6))
	var ws []waitObs
	for range 3000 {
		x := 100 * r.ExpFloat64()
		if x > 60 {
			ws = append(ws, waitObs{d: 60})
		} else {
			ws = append(ws, waitObs{d: x, left: true})
		}
	}
	ps := patience(ws, 300)
	m := ps[0]
	if m.Name != "patience.mean" || m.Lo > 100 || m.Hi < 100 || m.Insufficient {
		t.Errorf("%+v; want a sufficient interval around 100 s", m)
	}
	// The median of Exp(100) is 69 s, past the cut: Kaplan–Meier never
	// falls to a half, so no median is claimed.
	if len(ps) != 1 {
		t.Errorf("%+v; want no median when the survival stays above a half", ps)
	}
}

// A fitted cv beyond what the model allows is held at the limit with a
// note, not a failed fit; one within it is only rounded.
func TestFit_ModelCV(t *testing.T) {
	f := &Fit{}
	if got := f.modelCV("reply", 13.152); got != sim.MaxCV || len(f.Notes) != 1 {
		t.Errorf("modelCV(13.152) = %v with notes %q; want %v and one note", got, f.Notes, sim.MaxCV)
	}
	if got := f.modelCV("first_reply", 0.4237); got != 0.424 || len(f.Notes) != 1 {
		t.Errorf("modelCV(0.4237) = %v with notes %q; want 0.424 and no new note", got, f.Notes)
	}
}
