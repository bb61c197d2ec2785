// Package sim is deskdrill's model of e-commerce customer service: the KPI
// catalogue, contracts and the refund engine, the after-sales decision table,
// platform profiles, scenarios and arrival processes.
//
// The package is pure. It does no I/O, reads no clock and draws no random
// number it was not handed: time and randomness are parameters, so the live
// hub (wall clock) and the discrete-event engine (virtual clock) share one
// model and agree on what a conversation is worth.
//
// # KPIs
//
// Every KPI a contract or a report can name is in the catalogue ([KPIs],
// [LookupKPI]) with its formula, window, exclusions, unit and direction.
// Rates are fractions (0.87, not 87). Incident counts for event penalties use
// ids of the form "incident.NAME" and need no catalogue entry.
//
// # Refunds
//
// A [Contract] turns a period's KPI values into an itemised [Statement]:
//
//	st, err := contract.Refund(sim.RefundInput{
//		Periods: []sim.PeriodKPIs{{Period: "2026-11", Values: sim.KPIValues{"satisfaction": 0.87}}},
//	})
//	// st.Total == 2200_00 (fen) for the seed-tiered template
//
// Money is exact: amounts are integer fen ([Money]); ratios and KPI values are
// turned into exact decimals (the shortest decimal that round-trips the
// float64, which is what the user typed) before any arithmetic, and each line
// is rounded half-up to the fen once. The total is the sum of the lines.
//
// # Scenarios and arrivals
//
// A [Scenario] is a run apart from its agents: start and time zone, the
// [PlatformProfile] that says how service is measured, the store, the
// arrival process, the contact mix over the decision table ([Cases]), the
// [Persona] mix, the [MerchantPolicy], the [Staffing] shape, the statistical
// [AgentModel], the [Outcome] model and the contract. The scenarios package
// reads them from files (docs/scenarios.md); [Scenario.Validate] checks one
// built in code and reports field paths as the file writes them.
//
// Arrivals are a non-homogeneous Poisson process with a piecewise-constant
// rate ([ArrivalRate]):
//
//	λ(t) = base × shape[local hour] ÷ mean(shape) × Π active surge multipliers
//
// so the expected count of any window is an exact integral:
//
//	a := s.ArrivalRate()
//	n := a.Expected(s.StartTime(), s.EndTime())   // 1800 for steady-day
//	at, peak := a.PeakHour(s.StartTime(), s.EndTime())
package sim
