// Package plan turns replications of a scenario at several staffing levels
// into the planner's answers: KPI distributions, the probability that each
// contract KPI is missed, the distribution of the contract refund, buyer
// disputes, agent cost, a risk target and a recommendation.
//
// It is pure: the replications come from the discrete-event engine
// (package sim/des), the statistics from gonum.
package plan
