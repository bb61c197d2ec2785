// Package scenarios reads deskdrill's files into sim values: scenarios,
// platform profiles, contracts, KPI values, transcripts, agent model files
// and platform KPI exports. It holds the built-in ones, embedded in the
// binary, and checks every file strictly.
//
// # Files and errors
//
// Every decoder walks the YAML node tree, so an unknown field, a field
// given twice or a wrong type is reported at its line and column with its
// field path, and validation errors from sim (which know only a path) are
// pointed at the same place. Every problem of a file is reported at once,
// top to bottom, as *FieldError values joined with errors.Join; each
// matches ErrBadInput.
//
//	s, err := scenarios.LoadScenario("double11") // a built-in name, or a file
//	// err: "my.yaml:12:19: arrivals.surges[0].multiplier: 0: want a factor above zero ..."
//
// # Scenarios
//
// A scenario (docs/scenarios.md) names its platform profile and contract by
// built-in name or by file, relative to the scenario file's directory, or
// writes them inline. [ParseScenario] resolves both, loads the time zone
// (the tz database is embedded, so any IANA zone loads on any machine) and
// returns a validated *sim.Scenario. Sections a file leaves out, or gives in
// part, take the defaults of sim.NewScenario.
//
// Built-in scenarios ([ScenarioNames]), profiles ([ProfileNames]) and
// contract templates ([ContractNames]) are embedded YAML; their sources
// ([ScenarioSource], [ProfileSource], [ContractSource]) are starting points
// for files of one's own.
//
// # Agent models and platform exports
//
// An agent model file (docs/calibration.md) is a scenario's agent section
// with its source: [ParseAgentModel] reads it, [WriteAgentModel] writes
// what deskdrill calibrate fitted, and [ApplyAgentModel] puts it in a
// scenario. A platform's KPI export (docs/import.md) is read through a
// column map ([LoadColumnMap]; the built-in ones are [ColumnMapNames]) by
// [ReadExport], which detects UTF-8, UTF-16 and GBK and pools the rows of
// each period.
package scenarios
