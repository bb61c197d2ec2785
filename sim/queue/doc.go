// Package queue holds the analytic queueing formulas of the capacity
// planner: Erlang C (M/M/c) and Erlang A (M/M/c+M, exponential patience),
// and a staffing solver on top of them.
//
// # Definitions
//
// With arrival rate λ, mean handle time 1/μ, c agents and mean patience
// 1/θ, the offered load is a = λ/μ Erlangs and ρ = a/c.
//
//   - P(wait): the probability that an arrival finds every agent busy.
//   - ASA: the mean wait of the contacts that are answered (Erlang C: of
//     all contacts, the same thing).
//   - service level within T: contacts answered within T ÷ contacts
//     offered. Abandoned contacts stay in the denominator.
//   - P(abandon): contacts that leave before an answer ÷ offered.
//   - occupancy: busy agent time ÷ agent time = λ(1 − P(abandon))/(cμ).
//
// Erlang C is undefined at ρ ≥ 1 (the queue grows without bound): the
// functions return ErrUnstable rather than a negative or infinite wait.
// Erlang A is defined at every load because impatient contacts leave.
//
// # Erlang A, exactly
//
// The birth–death chain has birth rate λ and death rate nμ for n ≤ c,
// cμ + (n−c)θ above. Its stationary distribution π is summed directly
// (in a scaled form that cannot overflow) until the tail is below 1e-15.
// An arrival that finds j contacts waiting is answered with probability
// cμ/(cμ+(j+1)θ); its wait is then a sum of exponentials with rates
// cμ+(k+1)θ, k = 0..j, whose distribution function is a regularized
// incomplete beta: P(W ≤ t) = I(1−e^(−θt); j+1, (cμ+θ)/θ). The closed form
// of Garnett, Mandelbaum and Reiman (2002), in terms of the incomplete
// gamma function, gives P(wait) and P(abandon) independently; the tests
// check that the two agree.
//
// # Chat concurrency
//
// The formulas know single-contact servers. For chat agents holding k
// chats at once the planner approximates an agent as k servers whose
// handle time is stretched by k ÷ capacity(k) (the scenario's concurrency
// capacity curve, by default 1.0, 1.7, 2.5, 2.9, 3.5 for 1–5 chats). That
// is an approximation: the discrete-event engine models concurrency
// directly and is the reference.
package queue
