// Package trainer holds pre-hire assessments: exams of scripted customers,
// the customers' scripts, the pass rule and its gates, report cards and
// cohort statistics (docs/exams.md). It does no I/O: web hosts sittings
// and stores what they make, cmd drives them.
//
// # Exams
//
// An exam is a YAML file (ParseExam; built-in ones with Builtin): a
// platform profile, a time limit, the concurrency the candidate must hold,
// an ordered list of items (customers with their case, persona, order,
// opening message, the facts they give when asked, their reactions and
// their arrival offset), the pass rule and the proficiency bands.
//
// # Scripted customers
//
// A Script is one item's customer as a deterministic state machine on the
// sitting's clock: what it says depends only on the item and on what the
// candidate did and when, so every candidate meets the same customers and
// two who act alike see the same words at the same offsets.
//
// # Report cards and cohorts
//
// Grade turns a sitting's conversations into a report card: each item
// scored by the rubric (sim.ScoreConversationBy), the trainers' reviews
// applied, every gate with its value and limit. Cohort analyses a cohort's
// cards: leaderboard, distribution, pass rate (the training_pass_rate KPI),
// item difficulty and discrimination, Cronbach's α and the agreement of
// reviews with the automatic verdicts. PassK is τ²-bench's pass^k for bots.
package trainer
