// Package trial judges a vendor's trial period day by day: the trial
// clause's gates (DOMAIN.md §5.5) against the KPIs of each finished day of
// the scenario's calendar, the days so far, the verdict if the trial ended
// now, the trend of each gate, and at the end the final verdict.
//
// # Days
//
// A trial's days are the calendar days of the KPI calendar (the platform
// profile's time zone: Beijing time for every built-in profile) from the
// day of the scenario's start to the day of its end. A day is finished
// once the scenario clock has passed its end (or the scenario's end, for
// the last day). Its figures come from the review's counts of that day: a
// session is filed under the day it arrived, a round under the day it
// began; a conversation still open when its day finishes is counted when
// it ends, so the latest day's figures may still move a little. Nothing
// after the trial's end counts: the review of a trial is built with its
// end (review.Options.End), which leaves out the sessions arriving after
// it and the rounds opened after it, and no day past the last is read.
//
// # The verdict
//
// The verdict if the trial ended now is the contract's trial clause
// applied (sim.Contract.Refund, period "trial") to the KPIs of the finished
// days pooled: every rate is recomputed from the summed counts (rated
// 4–5 ÷ rated over all the days, never a mean of the daily rates), the
// dispute-refund rate divides the disputes by the paid orders of those
// days (the scenario's orders per day × the share of each day the trial
// covers), and timeouts per day divide by the finished days, a day
// without chats included. A gate met at its target or better passes (a
// value on the target meets it); any missed gate refunds the clause's
// refund_ratio of the trial fee. A gate with nothing to measure (no
// rating yet) is not checked, and the verdict says so.
//
// The verdict is final only when the run reached the scenario's end: then
// every day is finished, the caller records the Status and never decides
// again. A trial stopped, paused or interrupted before its end gives a
// provisional verdict over the days it finished.
//
// # Trend
//
// Each gate's trend compares its last days (up to three, at most half of
// the finished days) with the days before them, pooled. Rates are compared
// with a two-proportion z-test and counts per day with a Poisson z-test:
// a difference of at least 1.96 standard errors (95 %) is "improving" or
// "worsening" by the KPI's direction, less is "steady". Averages of
// seconds keep no variance in the counts, so for them a change of at
// least 10 % counts (a rule of thumb). Fewer than two finished days, or a
// side with nothing measured, give "unknown".
package trial
