// Package calib fits the agent model of the discrete-event engine
// (sim.AgentModel) to recorded conversations: a live run's, a vendor's
// exported chats, or the engine's own (des.Run.Record). It is pure: the
// conversations come in, parameters with their intervals and the fitted
// model come out (docs/calibration.md).
//
// # What is fitted
//
// The engine's agent works each step of a conversation at a pace set by
// the chats it holds when the step starts: a step of w seconds of work
// takes w × n ÷ capacity[n] seconds with n chats. The fit undoes that:
//
//   - Reply work: every wait from a step's start to the agent's valid
//     reply (the pick-up to the first reply, and each later round's buyer
//     message to its reply) is log-normal work times the slowdown of the
//     chats held when the step began. A regression of the log waits on
//     the chats held (a censored normal regression, maximum likelihood,
//     the first replies and the later ones each with its own spread)
//     gives the work's log-normal (first_reply) and the slowdown of each
//     level, hence capacity[n] = n ÷ slowdown(n). A wait cut short by the
//     buyer leaving, or work the engine cut at the round's share of the
//     handle time (a buyer message at the very instant of the reply
//     before), is right-censored, not dropped. The queue wait before the
//     pick-up is never part of it.
//   - Handle time: each conversation the agent closed, its steps divided by
//     their slowdowns and added up, is the solo handle time; log-normal by
//     maximum likelihood, per case and pooled over cases after dividing by
//     each case's effort (sim.Case.Effort), with conversations the buyer
//     left censored at the work done by then.
//   - Accuracy and hard fails: the scorer's verdicts (sim.Score.Correct,
//     HardFail) of the conversations the agent closed, as shares with
//     Wilson intervals.
//   - Rounds: the mean buyer turns of closed conversations.
//   - Patience: the time a waiting buyer stays before leaving, from every
//     round's wait (a leave is an event, a reply censors it): the
//     exponential maximum likelihood (time waited ÷ leaves, with the
//     chi-square interval) and the Kaplan–Meier median.
//
// Each fitted log-normal gets a one-sample Kolmogorov–Smirnov statistic
// against its uncensored observations.
package calib
