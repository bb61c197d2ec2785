package calib

import (
	"errors"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// z95 is the standard normal quantile of a two-sided 95 % interval.
var z95 = distuv.UnitNormal.Quantile(0.975)

// obs is one observation of a log-normal regression: y = log of a
// duration, x the regressors (x[0] = 1), censored when the duration is
// only known to be at least exp(y). group picks the observation's σ
// (0 to the number of groups − 1).
type obs struct {
	y        float64
	x        []float64
	censored bool
	group    int
}

// regression is the maximum-likelihood fit of y = x·β + σ_g·ε, ε standard
// normal, with right-censored observations (a Tobit model): the
// log-normal durations of the engine with multiplicative factors. Each
// group g of observations has a spread σ_g of its own: the engine's first
// and later replies are log-normals of their own cv, and a common σ would
// let the noisier group set the weight of the quieter one's evidence
// about β.
type regression struct {
	beta []float64
	// sigma is σ_0; sigmas holds every group's.
	sigma  float64
	sigmas []float64
	// cov is the covariance of (β, log σ_0, …, log σ_G−1), the inverse of
	// the observed information.
	cov       *mat.SymDense
	n, nCens  int
	converged bool
}

// errNoData: too few uncensored observations to fit anything.
var errNoData = errors.New("too few uncensored observations")

// fitRegression fits the censored regression. With one group and no
// censored observations the estimate is ordinary least squares with the
// maximum-likelihood σ (the root mean square residual, divided by n),
// which for an intercept alone is the mean and standard deviation of the
// logs; otherwise the likelihood is maximised by Newton's method from
// that start (with each group's σ its own root mean square residual).
func fitRegression(data []obs, p int) (*regression, error) {
	groups := 1
	for _, o := range data {
		groups = max(groups, o.group+1)
	}
	var unc []obs
	perGroup := make([]int, groups)
	for _, o := range data {
		if !o.censored {
			unc = append(unc, o)
			perGroup[o.group]++
		}
	}
	if len(unc) < p+2 || slices.Min(perGroup) < 2 {
		return nil, errNoData
	}
	beta, sigmas, err := ols(unc, p, groups)
	if err != nil {
		return nil, err
	}
	r := &regression{beta: beta, sigma: sigmas[0], sigmas: sigmas, n: len(data), nCens: len(data) - len(unc), converged: true}
	theta := append([]float64(nil), beta...)
	for _, s := range sigmas {
		theta = append(theta, math.Log(s))
	}
	grad := func(g, th []float64) {
		gradLogLik(g, data, th, p)
		for i := range g {
			g[i] = -g[i]
		}
	}
	if r.nCens > 0 || groups > 1 {
		theta, r.converged = newton(data, theta, p, grad)
		r.beta = theta[:p]
		for g := range groups {
			r.sigmas[g] = math.Exp(theta[p+g])
		}
		r.sigma = r.sigmas[0]
	}
	// The observed information: the Jacobian of the gradient.
	k := len(theta)
	jac := mat.NewDense(k, k, nil)
	fd.Jacobian(jac, func(dst, th []float64) { grad(dst, th) }, theta, &fd.JacobianSettings{Formula: fd.Central})
	info := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			info.SetSym(i, j, (jac.At(i, j)+jac.At(j, i))/2)
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(info) {
		return nil, errors.New("the likelihood is flat: the data do not identify the parameters")
	}
	r.cov = mat.NewSymDense(k, nil)
	if err := ch.InverseTo(r.cov); err != nil {
		return nil, err
	}
	return r, nil
}

// newton maximises the censored log-likelihood from theta by Newton's
// method on the numerical Hessian of the analytic gradient, halving a
// step that does not raise the likelihood. grad is the gradient of the
// negative log-likelihood. It reports whether the gradient fell below
// the threshold.
func newton(data []obs, theta []float64, p int, grad func(g, th []float64)) ([]float64, bool) {
	k := len(theta)
	g := make([]float64, k)
	ll := logLik(data, theta, p)
	for range 100 {
		grad(g, theta)
		norm := 0.0
		for _, v := range g {
			norm = max(norm, math.Abs(v))
		}
		if norm < 1e-8*float64(len(data)) {
			return theta, true
		}
		jac := mat.NewDense(k, k, nil)
		fd.Jacobian(jac, func(dst, th []float64) { grad(dst, th) }, theta, &fd.JacobianSettings{Formula: fd.Central})
		h := mat.NewSymDense(k, nil)
		for i := range k {
			for j := i; j < k; j++ {
				h.SetSym(i, j, (jac.At(i, j)+jac.At(j, i))/2)
			}
		}
		var ch mat.Cholesky
		dir := mat.NewVecDense(k, nil)
		if ch.Factorize(h) {
			if ch.SolveVecTo(dir, mat.NewVecDense(k, append([]float64(nil), g...))) != nil {
				return theta, false
			}
		} else {
			// Not convex here: a small gradient step instead.
			for i := range k {
				dir.SetVec(i, g[i]*1e-3)
			}
		}
		step := 1.0
		improved := false
		for range 40 {
			next := make([]float64, k)
			for i := range k {
				next[i] = theta[i] - step*dir.AtVec(i)
			}
			if nl := logLik(data, next, p); nl >= ll {
				theta, ll, improved = next, nl, true
				break
			}
			step /= 2
		}
		if !improved {
			grad(g, theta)
			return theta, false
		}
	}
	return theta, false
}

// ols is least squares of y on x over uncensored observations, with the
// maximum-likelihood σ of each of the groups (the root mean square
// residual of its observations).
func ols(data []obs, p, groups int) ([]float64, []float64, error) {
	x := mat.NewDense(len(data), p, nil)
	y := mat.NewVecDense(len(data), nil)
	for i, o := range data {
		x.SetRow(i, o.x)
		y.SetVec(i, o.y)
	}
	var qr mat.QR
	qr.Factorize(x)
	b := mat.NewVecDense(p, nil)
	if err := qr.SolveVecTo(b, false, y); err != nil {
		return nil, nil, errors.New("the regressors are collinear: a level of chats held has no observation")
	}
	ss, n := make([]float64, groups), make([]float64, groups)
	for i, o := range data {
		r := o.y - mat.Dot(x.RowView(i), b)
		ss[o.group] += r * r
		n[o.group]++
	}
	sigmas := make([]float64, groups)
	for g := range groups {
		sigmas[g] = math.Sqrt(ss[g] / n[g])
		if !(sigmas[g] > 0) {
			return nil, nil, errors.New("every duration is the same: no spread to fit")
		}
	}
	return b.RawVector().Data, sigmas, nil
}

func dot(x, b []float64) float64 {
	s := 0.0
	for i := range x {
		s += x[i] * b[i]
	}
	return s
}

// logSurvival is log(1 − Φ(z)), accurate far into the tail.
func logSurvival(z float64) float64 {
	return math.Log(0.5 * math.Erfc(z/math.Sqrt2))
}

// mills is φ(z) ÷ (1 − Φ(z)).
func mills(z float64) float64 {
	s := 0.5 * math.Erfc(z/math.Sqrt2)
	if s < 1e-300 {
		return z // the asymptote
	}
	return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) / s
}

// logLik is the log-likelihood at th = (β, log σ_0, …): an observation
// of group g has σ = exp(th[p+g]).
func logLik(data []obs, th []float64, p int) float64 {
	ll := 0.0
	for _, o := range data {
		ls := th[p+o.group]
		z := (o.y - dot(o.x, th[:p])) / math.Exp(ls)
		if o.censored {
			ll += logSurvival(z)
		} else {
			ll += -0.5*z*z - ls - 0.5*math.Log(2*math.Pi)
		}
	}
	return ll
}

func gradLogLik(g []float64, data []obs, th []float64, p int) {
	for i := range g {
		g[i] = 0
	}
	for _, o := range data {
		sigma := math.Exp(th[p+o.group])
		z := (o.y - dot(o.x, th[:p])) / sigma
		var db, ds float64
		if o.censored {
			l := mills(z)
			db, ds = l/sigma, l*z
		} else {
			db, ds = z/sigma, z*z-1
		}
		for j := range p {
			g[j] += db * o.x[j]
		}
		g[p+o.group] += ds
	}
}

// logNormalMean returns the mean exp(μ + σ²/2) of the log-normal of a
// linear combination c·β (μ) and its 95 % interval, by the delta method on
// log mean = c·β + σ²/2, with σ = σ_0 (the fits it serves have one
// group).
func (r *regression) logNormalMean(c []float64) (mean, lo, hi float64) {
	p := len(r.beta)
	mu := dot(c, r.beta)
	s2 := r.sigma * r.sigma
	grad := append(append([]float64(nil), c...), s2) // ∂/∂β = c, ∂/∂log σ = σ²
	v := 0.0
	for i := range p + 1 {
		for j := range p + 1 {
			v += grad[i] * grad[j] * r.cov.At(i, j)
		}
	}
	lm := mu + s2/2
	se := math.Sqrt(max(v, 0))
	return math.Exp(lm), math.Exp(lm - z95*se), math.Exp(lm + z95*se)
}

// coef returns β_j with its 95 % interval.
func (r *regression) coef(j int) (v, lo, hi float64) {
	se := math.Sqrt(max(r.cov.At(j, j), 0))
	return r.beta[j], r.beta[j] - z95*se, r.beta[j] + z95*se
}

// cv is the coefficient of variation of the fitted log-normal (of σ_0),
// with the 95 % interval of σ carried through sqrt(exp(σ²) − 1).
func (r *regression) cv() (v, lo, hi float64) {
	p := len(r.beta)
	se := math.Sqrt(max(r.cov.At(p, p), 0))
	f := func(ls float64) float64 { s := math.Exp(ls); return math.Sqrt(math.Expm1(s * s)) }
	ls := math.Log(r.sigma)
	return f(ls), f(ls - z95*se), f(ls + z95*se)
}

// wilson returns the share k ÷ n with its Wilson score 95 % interval.
func wilson(k, n int) (p, lo, hi float64) {
	if n == 0 {
		return math.NaN(), 0, 1
	}
	p = float64(k) / float64(n)
	z2 := z95 * z95
	nf := float64(n)
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z95 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return p, max(0, centre-half), min(1, centre+half)
}

// ksCensored is the Kolmogorov–Smirnov distance between cdf and the
// Kaplan–Meier estimate of a right-censored sample (xs, censored), with
// the asymptotic p-value of Kolmogorov's distribution (with Stephens'
// small-sample correction) taken at the number of uncensored values: an
// approximation, as the censored statistic has no exact null
// distribution. Without censoring it is the one-sample test. With
// parameters estimated from the same data the p-value is conservative
// (too high: Lilliefors).
func ksCensored(xs []float64, censored []bool, cdf func(float64) float64) (d, p float64, n int) {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	surv, atRisk := 1.0, float64(len(xs))
	for i := 0; i < len(idx); {
		j, events := i, 0
		for j < len(idx) && xs[idx[j]] == xs[idx[i]] {
			if !censored[idx[j]] {
				events++
			}
			j++
		}
		if events > 0 {
			f := cdf(xs[idx[i]])
			before := 1 - surv
			surv *= 1 - float64(events)/atRisk
			d = max(d, math.Abs(f-before), math.Abs(1-surv-f))
			n += events
		}
		atRisk -= float64(j - i)
		i = j
	}
	if n == 0 {
		return 0, 1, 0
	}
	en := math.Sqrt(float64(n))
	return d, kolmogorovQ((en + 0.12 + 0.11/en) * d), n
}

// kolmogorovQ is P(K > λ) of Kolmogorov's distribution.
func kolmogorovQ(lambda float64) float64 {
	if lambda < 0.2 {
		return 1
	}
	sum, sign := 0.0, 1.0
	for k := 1; k <= 100; k++ {
		t := sign * math.Exp(-2*float64(k*k)*lambda*lambda)
		sum += t
		if math.Abs(t) < 1e-12 {
			break
		}
		sign = -sign
	}
	return min(1, max(0, 2*sum))
}

// meanCI is a sample mean with its normal 95 % interval.
func meanCI(xs []float64) (m, lo, hi float64) {
	m, sd := stat.MeanStdDev(xs, nil)
	se := sd / math.Sqrt(float64(len(xs)))
	return m, m - z95*se, m + z95*se
}
