// Package evidence writes the evidence pack of a trial run: what a
// merchant attaches to a refund claim (the seeds' 对话记录、平台考核数据、
// 投诉记录), as one zip file:
//
//	statement.json     the trial's refund statement (the only JSON file with a top-level "total")
//	statement.html     the same, printable and self-contained, with the gates, the days and how to verify
//	kpis-daily.csv     one row per finished scenario day and a row "trial" pooled over the trial (UTF-8 with BOM)
//	kpis-agents.csv    the KPIs of each agent (UTF-8 with BOM)
//	trial.json         the trial day by day, as deskdrill trial status --json prints it
//	evidence.csv       every conversation behind a gate: KPI, conversation, day, agent, why (UTF-8 with BOM)
//	transcripts.jsonl  those conversations, in the transcript format of deskdrill export
//	contract.yaml      the contract the run was played under, byte for byte
//	scenario.yaml      the scenario, byte for byte
//	profile.yaml       the platform profile, byte for byte
//	MANIFEST.sha256    the SHA-256 of every other file, as sha256sum -c reads it
//
// The trial row of kpis-daily.csv is recomputed from the pooled counts of
// the finished days (never a mean of the daily rates), with every figure
// written to the last bit, so that
//
//	deskdrill refund --contract contract.yaml --kpis kpis-daily.csv --period trial --json
//
// gives statement.json's total to the fen. A pack is a function of the
// records: a final trial's pack is the same bytes however often it is
// built (its files carry the time of the verdict).
package evidence
