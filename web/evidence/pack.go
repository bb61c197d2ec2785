package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
	"github.com/deskdrill/deskdrill/sim/trial"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// The names of a pack's files.
const (
	StatementJSON = "statement.json"
	StatementHTML = "statement.html"
	KPIsDaily     = "kpis-daily.csv"
	KPIsAgents    = "kpis-agents.csv"
	TrialJSON     = "trial.json"
	EvidenceCSV   = "evidence.csv"
	Transcripts   = "transcripts.jsonl"
	ContractYAML  = "contract.yaml"
	ScenarioYAML  = "scenario.yaml"
	ProfileYAML   = "profile.yaml"
	Manifest      = "MANIFEST.sha256"
)

// ErrNotTrial: the run is not a trial, so it has no trial statement.
var ErrNotTrial = errors.New("not a trial")

// File is one file of a pack.
type File struct {
	Name string
	Data []byte
}

// Pack is a trial run's evidence, gathered by Build.
type Pack struct {
	Report  *web.TrialReport
	Sources []scenarios.Source
	// Conversations are the ones behind the gates, by id.
	Conversations []*sim.Conversation
	Rows          []EvidenceRow
	Review        *review.Review
	// At is the time the pack's files carry: the verdict's for a final
	// trial, else the time it was built.
	At    time.Time
	Notes []string
}

// EvidenceRow is one conversation behind one gate.
type EvidenceRow struct {
	KPI, Conversation, Date, Agent, Why string
}

// Build gathers the evidence of trial run id from st at now: the recorded
// final verdict when the trial reached its end, else the trial so far
// (provisional), checked against a judgement of the records.
func Build(ctx context.Context, st *store.Store, id int64, now time.Time) (*Pack, error) {
	rep, err := web.Trial(ctx, st, id, now)
	if err != nil {
		return nil, fmt.Errorf("build evidence pack of run %d: %w", id, err)
	}
	if rep.NotTrial != "" {
		return nil, fmt.Errorf("build evidence pack of run %d: %w: %s", id, ErrNotTrial, rep.NotTrial)
	}
	sc, srcs, err := web.RunScenario(ctx, st, rep.Run)
	if err != nil {
		return nil, fmt.Errorf("build evidence pack of run %d: %w", id, err)
	}
	p := &Pack{Report: rep, Sources: srcs, At: now.UTC().Truncate(time.Second)}
	status := rep.Status
	if status.Statement == nil {
		return nil, fmt.Errorf("build evidence pack of run %d: no day of the trial has finished: there is no statement yet", id)
	}
	// web.Trial judged a recorded verdict again from the records and
	// warns where they disagree.
	rv, convs := rep.Review, rep.Conversations
	if rep.Recorded {
		p.At = rep.Run.Ended.UTC()
	}
	p.Notes = append(p.Notes, rep.Warnings...)
	p.Review = rv
	if len(srcs) == 0 || srcs[0].Role != scenarios.RoleScenario {
		return nil, fmt.Errorf("build evidence pack of run %d: its scenario's file is not known", id)
	}
	if !slices.ContainsFunc(srcs, func(s scenarios.Source) bool { return s.Role == scenarios.RoleContract }) {
		return nil, fmt.Errorf("build evidence pack of run %d: its contract's file is not known", id)
	}
	// The conversations behind every gate, whether missed or met.
	ids := map[string][]string{}
	for _, g := range status.Gates {
		for _, c := range g.Evidence {
			if !slices.Contains(ids[c], g.KPI) { // one row per conversation and KPI
				ids[c] = append(ids[c], g.KPI)
			}
		}
	}
	agent := map[string]string{}
	for _, s := range rv.Scores {
		agent[s.ID] = s.Agent
	}
	clock := web.ReviewOptions(sc, rep.Run, now).Clock
	zone := sc.Platform.Zone()
	found := map[string]bool{}
	for _, c := range convs {
		kpis, ok := ids[c.ID]
		if !ok {
			continue
		}
		found[c.ID] = true
		p.Conversations = append(p.Conversations, c)
		date := clock(c.Arrived).In(zone).Format(time.DateOnly)
		for _, k := range kpis {
			p.Rows = append(p.Rows, EvidenceRow{KPI: k, Conversation: c.ID, Date: date, Agent: agent[c.ID], Why: why(k)})
		}
	}
	if missing := len(ids) - len(found); missing > 0 {
		w := fmt.Sprintf("%d conversations behind the gates are not in the records", missing)
		p.Notes = append(p.Notes, w)
		rep.Warnings = append(rep.Warnings, w) // trial.json carries it too
	}
	slices.SortFunc(p.Conversations, func(a, b *sim.Conversation) int { return strings.Compare(a.ID, b.ID) })
	slices.SortStableFunc(p.Rows, func(a, b EvidenceRow) int {
		return cmpOr(strings.Compare(gateIndex(status, a.KPI), gateIndex(status, b.KPI)), strings.Compare(a.Conversation, b.Conversation))
	})
	return p, nil
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func gateIndex(s *trial.Status, kpi string) string {
	for i, g := range s.Gates {
		if g.KPI == kpi {
			return fmt.Sprintf("%03d", i)
		}
	}
	return "999"
}

// why says, per KPI, what puts a conversation behind it (sim/review's
// evidence rules).
func why(kpi string) string {
	switch kpi {
	case "satisfaction":
		return "rated 1–3 (not 4 or 5) / 评价 1–3 分"
	case "reply_rate_3min", "response_avg_s":
		return "a round answered after the reply threshold (3 min) or not at all / 有一轮超过 3 分钟未回复"
	case "answer_rate_30s", "first_response_avg_s":
		return "first answer after the answer threshold (30 s), or none / 首次应答超过 30 秒或无应答"
	case "dispute_refund_rate":
		return "a platform dispute ruled for the buyer / 平台判买家胜诉的纠纷"
	case "timeouts_per_day", "timeout_bad_day_share":
		return "a round later than the timeout threshold, or unanswered / 超时未回复"
	case "abandon_rate":
		return "the buyer left before a first answer / 买家在首次应答前离开"
	case "not_served_rate":
		return "no agent served the session / 未接待"
	case "resolution_24h_rate":
		return "not solved correctly within 24 h / 24 小时内未正确解决"
	case "inquiry_conversion":
		return "a pre-sales buyer who did not pay / 询单未成交"
	case "qa_hard_fails":
		return "a hard fail of the service standard / 严重违规"
	}
	k, _ := sim.LookupKPI(kpi)
	return k.Name
}

// packScenario returns the scenario's file as recorded, with its
// top-level contract: and platform: references pointing at the pack's own
// contract.yaml and profile.yaml (when the pack has them), so that the
// scenario loads from the pack alone: a name or a path of the machine the
// run was played on would resolve to another file, or to none. The line
// keeps what it named in a comment.
func packScenario(data []byte, srcs []scenarios.Source) []byte {
	has := map[string]bool{}
	for _, s := range srcs {
		has[s.Role] = true
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data
	}
	lines := strings.SplitAfter(string(data), "\n")
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		var file string
		switch {
		case k.Value == "contract" && has[scenarios.RoleContract]:
			file = ContractYAML
		case k.Value == "platform" && has[scenarios.RoleProfile]:
			file = ProfileYAML
		}
		// Only a one-line scalar at the top level; an inline mapping is
		// the file itself.
		if file == "" || v.Kind != yaml.ScalarNode || v.Value == file || k.Column != 1 || k.Line != v.Line || k.Line > len(lines) {
			continue
		}
		end := ""
		if strings.HasSuffix(lines[k.Line-1], "\n") {
			end = "\n"
		}
		lines[k.Line-1] = fmt.Sprintf("%s: %s # the pack's own; the run named %s%s", k.Value, file, strconv.Quote(v.Value), end)
	}
	return []byte(strings.Join(lines, ""))
}

// Files returns the pack's files in their order, the manifest last.
func (p *Pack) Files() ([]File, error) {
	st := p.Report.Status
	var files []File
	add := func(name string, data []byte) { files = append(files, File{name, data}) }
	stmt, err := p.statementJSON()
	if err != nil {
		return nil, err
	}
	add(StatementJSON, stmt)
	var others []File
	other := func(name string, data []byte) { others = append(others, File{name, data}) }
	other(KPIsDaily, dailyCSV(st))
	other(KPIsAgents, agentsCSV(p.Review))
	tj, err := json.MarshalIndent(p.Report, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", TrialJSON, err)
	}
	other(TrialJSON, append(tj, '\n'))
	other(EvidenceCSV, evidenceCSV(p.Rows))
	var tr bytes.Buffer
	if err := scenarios.WriteTranscripts(&tr, p.Conversations); err != nil {
		return nil, fmt.Errorf("write %s: %w", Transcripts, err)
	}
	other(Transcripts, tr.Bytes())
	for _, s := range p.Sources {
		switch s.Role {
		case scenarios.RoleContract:
			other(ContractYAML, s.Data)
		case scenarios.RoleScenario:
			other(ScenarioYAML, packScenario(s.Data, p.Sources))
		case scenarios.RoleProfile:
			other(ProfileYAML, s.Data)
		}
	}
	// The HTML lists the digests of the files but itself.
	html, err := p.statementHTML(append(slices.Clone(files), others...))
	if err != nil {
		return nil, err
	}
	add(StatementHTML, html)
	files = append(files, others...)
	var m bytes.Buffer
	for _, f := range sortedByName(files) {
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(&m, "%s  %s\n", hex.EncodeToString(sum[:]), f.Name)
	}
	add(Manifest, m.Bytes())
	return files, nil
}

func sortedByName(fs []File) []File {
	out := slices.Clone(fs)
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// WriteZip writes the pack as a zip with its files at the top, each
// dated p.At.
func (p *Pack) WriteZip(w io.Writer) error {
	files, err := p.Files()
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, f := range files {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: p.At})
		if err != nil {
			return fmt.Errorf("write evidence pack: %w", err)
		}
		if _, err := fw.Write(f.Data); err != nil {
			return fmt.Errorf("write evidence pack: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write evidence pack: %w", err)
	}
	return nil
}

// statementView is statement.json: the statement as deskdrill refund
// --json prints it, with the run and whether it is final.
type statementView struct {
	sim.Statement
	Periods []string `json:"periods,omitempty"`
	Run     int64    `json:"run"`
	Final   bool     `json:"final"`
	// Warnings say where the records disagree with the recorded verdict.
	Warnings []string `json:"warnings,omitempty"`
}

func (p *Pack) statementJSON() ([]byte, error) {
	st := *p.Report.Status.Statement
	if len(st.Periods) < 2 {
		st.Periods = nil
	}
	final := p.Report.Status.Verdict.Final
	if !final {
		// trial.md: every line that carries the verdict says provisional,
		// in the JSON as on the page.
		st.Items = slices.Clone(st.Items)
		for i := range st.Items {
			st.Items[i].Reason += "; provisional: the trial is not at its end"
		}
	}
	b, err := json.MarshalIndent(statementView{Statement: st, Periods: st.Periods, Run: p.Report.Run.ID, Final: final, Warnings: p.Notes}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", StatementJSON, err)
	}
	return append(b, '\n'), nil
}

// bom starts a CSV file so that Excel reads it as UTF-8.
const bom = "\ufeff"

func csvBytes(rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString(bom)
	w := csv.NewWriter(&b)
	w.WriteAll(rows) // a bytes.Buffer does not fail
	return b.Bytes()
}

// full writes v as a decimal of at most 12 significant digits
// (sim.Decimal): no binary noise, and still exact enough that no gate is
// judged otherwise from the file.
func full(v float64) string { return sim.Decimal(v) }

// countColumns are the n_ columns of kpis-daily.csv.
var countColumns = []struct {
	name string
	get  func(trial.Counts) float64
}{
	{"n_sessions", func(c trial.Counts) float64 { return float64(c.Sessions) }},
	{"n_rounds", func(c trial.Counts) float64 { return float64(c.Rounds) }},
	{"n_rounds_on_time", func(c trial.Counts) float64 { return float64(c.RoundsOnTime) }},
	{"n_dialogues", func(c trial.Counts) float64 { return float64(c.Dialogues) }},
	{"n_answer_sessions", func(c trial.Counts) float64 { return float64(c.AnswerSessions) }},
	{"n_answered_in_time", func(c trial.Counts) float64 { return float64(c.AnsweredInTime) }},
	{"n_ratings", func(c trial.Counts) float64 { return float64(c.Ratings) }},
	{"n_top2", func(c trial.Counts) float64 { return float64(c.Top2) }},
	{"n_disputes", func(c trial.Counts) float64 { return float64(c.Disputes) }},
	{"n_paid_orders", func(c trial.Counts) float64 { return c.PaidOrders }},
	{"n_timeouts", func(c trial.Counts) float64 { return float64(c.Timeouts) }},
	{"n_not_served", func(c trial.Counts) float64 { return float64(c.NotServed) }},
}

// dailyCSV is kpis-daily.csv: a row per finished day, then the trial row,
// every KPI any row has (in the catalogue's order), then the counts.
func dailyCSV(s *trial.Status) []byte {
	present := map[string]bool{}
	for id := range s.Pooled {
		present[id] = true
	}
	for _, d := range s.Daily {
		for id := range d.KPIs {
			present[id] = true
		}
	}
	var ids []string
	for _, id := range sim.KPIIDs() {
		if present[id] {
			ids = append(ids, id)
		}
	}
	head := append([]string{"period", "status"}, ids...)
	for _, c := range countColumns {
		head = append(head, c.name)
	}
	head = append(head, "n_open")
	rows := [][]string{head}
	status := func(final bool) string {
		if final {
			return "final"
		}
		return "provisional"
	}
	row := func(period, status string, kpis sim.KPIValues, counts trial.Counts, open int) {
		r := []string{period, status}
		for _, id := range ids {
			if v, ok := kpis[id]; ok {
				r = append(r, full(v))
			} else {
				r = append(r, "")
			}
		}
		for _, c := range countColumns {
			r = append(r, full(c.get(counts)))
		}
		rows = append(rows, append(r, strconv.Itoa(open)))
	}
	open := 0
	for _, d := range s.Daily {
		row(d.Date, status(d.Final), d.KPIs, d.Counts, d.Open)
		open += d.Open
	}
	row(sim.TrialPeriod, status(s.Verdict.Final), s.Pooled, s.Counts, open)
	return csvBytes(rows)
}

// agentsCSV is kpis-agents.csv: each agent's conversations, scores and
// KPIs.
func agentsCSV(rv *review.Review) []byte {
	present := map[string]bool{}
	for _, a := range rv.Agents {
		for id := range a.KPIs {
			present[id] = true
		}
	}
	var ids []string
	for _, id := range sim.KPIIDs() {
		if present[id] {
			ids = append(ids, id)
		}
	}
	rows := [][]string{append([]string{"agent", "conversations", "mean_score", "correct", "hard_fails"}, ids...)}
	for _, a := range rv.Agents {
		r := []string{a.Agent, strconv.Itoa(a.Conversations), strconv.FormatFloat(a.MeanScore, 'f', 2, 64), strconv.Itoa(a.Correct), strconv.Itoa(a.HardFails)}
		for _, id := range ids {
			if v, ok := a.KPIs[id]; ok {
				r = append(r, full(v))
			} else {
				r = append(r, "")
			}
		}
		rows = append(rows, r)
	}
	return csvBytes(rows)
}

func evidenceCSV(rows []EvidenceRow) []byte {
	out := [][]string{{"kpi", "conversation", "date", "agent", "why"}}
	for _, r := range rows {
		out = append(out, []string{r.KPI, r.Conversation, r.Date, r.Agent, r.Why})
	}
	return csvBytes(out)
}

//go:embed statement.html.tmpl
var statementTemplate string

var page = template.Must(template.New("statement").Funcs(template.FuncMap{
	"money": func(m sim.Money) string { return m.Grouped() },
	"kpi":   fmtKPI,
	"optkpi": func(id string, v *float64) string {
		if v == nil {
			return "–"
		}
		return fmtKPI(id, *v)
	},
	"opt": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return full(*v)
	},
	"pct": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v*100, 'g', -1, 64) + " %"
	},
	"met": func(m *bool) string {
		switch {
		case m == nil:
			return "–"
		case *m:
			return "✓"
		}
		return "✗"
	},
	"dayval": func(d trial.Day, id string) string {
		v, ok := d.KPIs[id]
		if !ok {
			return "–"
		}
		return fmtKPI(id, v)
	},
	"daymet": func(d trial.Day, id string) string {
		met, ok := d.Gates[id]
		switch {
		case !ok:
			return ""
		case met:
			return "met"
		}
		return "missed"
	},
	"inc": func(i int) int { return i + 1 },
	// The zone by its IANA name (Asia/Shanghai), not an abbreviation.
	"date": func(t time.Time) string { return t.Format("2006-01-02 15:04 ") + t.Location().String() },
	"op": func(better string) string {
		if better == "lower" {
			return "≤"
		}
		return "≥"
	},
}).Parse(statementTemplate))

func fmtKPI(id string, v float64) string {
	if k, ok := sim.LookupKPI(id); ok && k.Unit == sim.UnitFraction {
		return strconv.FormatFloat(v*100, 'f', 2, 64) + " %"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

type digest struct{ Name, SHA256 string }

func (p *Pack) statementHTML(files []File) ([]byte, error) {
	var ds []digest
	for _, f := range sortedByName(files) {
		sum := sha256.Sum256(f.Data)
		ds = append(ds, digest{f.Name, hex.EncodeToString(sum[:])})
	}
	var contract string
	for _, s := range p.Sources {
		if s.Role == scenarios.RoleContract {
			contract = s.Name
		}
	}
	var b bytes.Buffer
	err := page.Execute(&b, map[string]any{
		"R": p.Report, "S": p.Report.Status, "V": p.Report.Status.Verdict, "St": p.Report.Status.Statement,
		"Files": ds, "Notes": p.Notes, "Conversations": len(p.Conversations), "ContractFrom": contract, "At": p.At,
	})
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", StatementHTML, err)
	}
	return b.Bytes(), nil
}
