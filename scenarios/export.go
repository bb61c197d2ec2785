package scenarios

import (
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"

	"github.com/deskdrill/deskdrill/sim"
)

// This file reads a platform's exported KPI table (a CSV per day or per
// sub-account, from Qianniu, Doudian or JD) through a column map
// (docs/import.md) into KPI values per period, which the refund engine
// takes like a KPI file.

//go:embed columnmaps/*.yaml
var columnMapFiles embed.FS

// ColumnMap says how to read one platform's export: which column holds
// the day, the sub-account and the weight of a row, which column holds
// which KPI in which unit, and which columns to ignore. Every column of
// the export must be named in it.
type ColumnMap struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Platform is the profile the export's KPIs were measured by
	// (informational: the values are taken as the platform computed them).
	Platform string `yaml:"platform"`
	// Unverified, when given, is said whenever the map is used: the
	// headers were not checked against a real export.
	Unverified string `yaml:"unverified"`
	// HeaderRow is the line of the header (1 when 0): exports often open
	// with a title line.
	HeaderRow int `yaml:"header_row"`
	// Day names the column of the row's day; Agent the sub-account's;
	// Weight the count a row's rates are weighted by when rows are pooled
	// (such as the buyers served). All optional.
	Day    string `yaml:"day"`
	Agent  string `yaml:"agent"`
	Weight string `yaml:"weight"`
	// KPIs maps a column's header to the KPI it holds.
	KPIs map[string]ColumnKPI `yaml:"kpis"`
	// Ignore lists columns that hold no KPI (sales, names).
	Ignore []string `yaml:"ignore"`
	// SkipRows skips rows whose first cell begins with one of these
	// (a totals row such as 合计 would count twice).
	SkipRows []string `yaml:"skip_rows"`

	order []string // the KPI headers in file order
}

// ColumnKPI is one KPI column of an export.
type ColumnKPI struct {
	KPI string `yaml:"kpi"`
	// Unit is the unit of the column's values (see ExportUnits).
	Unit string `yaml:"unit"`
	// Weight names the column this KPI's rows are weighted by, instead of
	// the map's (satisfaction by the ratings given).
	Weight string `yaml:"weight"`
}

// exportUnit is a unit of an export's column: the KPI unit it can hold
// and the factor to it.
type exportUnit struct {
	kind   sim.Unit
	factor float64
}

// exportUnits are the units a column map may give, by name.
var exportUnits = map[string]exportUnit{
	"秒": {sim.UnitSeconds, 1}, "s": {sim.UnitSeconds, 1}, "sec": {sim.UnitSeconds, 1}, "seconds": {sim.UnitSeconds, 1},
	"分钟": {sim.UnitSeconds, 60}, "分": {sim.UnitSeconds, 60}, "min": {sim.UnitSeconds, 60}, "minutes": {sim.UnitSeconds, 60},
	"小时": {sim.UnitSeconds, 3600}, "h": {sim.UnitSeconds, 3600}, "hours": {sim.UnitSeconds, 3600},
	"%": {sim.UnitFraction, 0.01}, "百分比": {sim.UnitFraction, 0.01}, "percent": {sim.UnitFraction, 0.01},
	"fraction": {sim.UnitFraction, 1}, "比例": {sim.UnitFraction, 1},
	"次": {sim.UnitCount, 1}, "个": {sim.UnitCount, 1}, "count": {sim.UnitCount, 1},
	"次/天": {sim.UnitCountPerDay, 1}, "次/日": {sim.UnitCountPerDay, 1}, "per day": {sim.UnitCountPerDay, 1},
}

// ExportUnits lists the unit names a column map takes, sorted.
func ExportUnits() []string {
	var out []string
	for u := range exportUnits {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// header normalises a header for matching: NFKC (full-width brackets and
// digits become ASCII), spaces trimmed and runs of spaces made one.
func header(s string) string {
	return strings.Join(strings.Fields(norm.NFKC.String(strings.TrimPrefix(s, "\ufeff"))), " ")
}

// ColumnMapNames lists the built-in column maps, sorted.
func ColumnMapNames() []string { return embeddedNames(columnMapFiles, "columnmaps") }

// ColumnMapSource returns the YAML of a built-in column map.
func ColumnMapSource(name string) ([]byte, error) {
	b, err := columnMapFiles.ReadFile(path.Join("columnmaps", name+".yaml"))
	if err != nil {
		return nil, &NotFoundError{What: "column map", Name: name, Known: ColumnMapNames()}
	}
	return b, nil
}

// LoadColumnMap resolves nameOrFile: a built-in map name first, then a
// file path.
func LoadColumnMap(nameOrFile string) (*ColumnMap, error) {
	if b, err := ColumnMapSource(nameOrFile); err == nil {
		return ParseColumnMap("column map "+nameOrFile, b)
	}
	b, err := ReadInput(nameOrFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &NotFoundError{What: "column map", Name: nameOrFile, Known: ColumnMapNames()}
	}
	if err != nil {
		return nil, fmt.Errorf("read column map: %w", err)
	}
	return ParseColumnMap(nameOrFile, b)
}

// ParseColumnMap decodes and checks a column map, strictly; every problem
// is a *FieldError at its line and column.
func ParseColumnMap(file string, data []byte) (*ColumnMap, error) {
	doc, err := parseDocument(file, data, baseHooks())
	if err != nil {
		return nil, err
	}
	var m ColumnMap
	errs := sim.Unjoin(doc.decode(&m))
	// The KPI columns in the order the file gives them.
	type at struct {
		h    string
		line int
	}
	var hs []at
	for h := range m.KPIs {
		line := 0
		if n, ok := doc.nodes[join("kpis", h)]; ok {
			line = n.Line
		}
		hs = append(hs, at{h, line})
	}
	sort.SliceStable(hs, func(a, b int) bool { return hs[a].line < hs[b].line || hs[a].line == hs[b].line && hs[a].h < hs[b].h })
	for _, h := range hs {
		m.order = append(m.order, h.h)
	}
	errs = append(errs, doc.beyond(errs, m.validate())...)
	if len(errs) > 0 {
		return nil, doc.report(errs)
	}
	return &m, nil
}

func (m *ColumnMap) validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &sim.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if len(m.KPIs) == 0 {
		add("kpis", "at least one KPI column is required: the header of the export → {kpi: ID, unit: UNIT}")
	}
	if m.HeaderRow < 0 || m.HeaderRow > 100 {
		add("header_row", "%d: want the line of the header, 1 to 100", m.HeaderRow)
	}
	// Each column has one role (docs/import.md): the day, the sub-account,
	// a weight, a KPI or ignored. Only a weight may be named twice (the
	// map's and a KPI's own, or two KPIs': still one role); any other
	// second mention is an error at it, naming the column and both fields.
	used := map[string]string{} // normalised header → where the map names it first
	isWeightField := func(f string) bool { return f == "weight" || strings.HasSuffix(f, ".weight") }
	use := func(h, field string) {
		if h == "" {
			return
		}
		n := header(h)
		if prev, ok := used[n]; ok {
			if !isWeightField(prev) || !isWeightField(field) {
				add(field, "column %q has two roles, %s and %s: a column has one role", h, prev, field)
			}
			return
		}
		used[n] = field
	}
	use(m.Day, "day")
	use(m.Agent, "agent")
	use(m.Weight, "weight")
	for _, h := range m.order {
		c := m.KPIs[h]
		p := "kpis." + h
		use(h, p)
		k, ok := sim.LookupKPI(c.KPI)
		switch {
		case c.KPI == "":
			add(p+".kpi", "is required: the KPI id of the column (deskdrill kpis list)")
		case !ok:
			add(p+".kpi", "%v", &sim.UnknownKPIError{ID: c.KPI})
		}
		u, uok := exportUnits[c.Unit]
		switch {
		case c.Unit == "":
			add(p+".unit", "is required: the unit of the column's values, one of %s", strings.Join(ExportUnits(), ", "))
		case !uok:
			add(p+".unit", "%q: want one of %s", c.Unit, strings.Join(ExportUnits(), ", "))
		case ok && !unitFits(u.kind, k.Unit):
			add(p+".unit", "%q holds %s, but %s is %s", c.Unit, u.kind, c.KPI, k.Unit)
		case ok && k.Unit == sim.UnitCountPerDay && u.kind == sim.UnitCount && m.Day == "":
			add(p+".unit", "%q counts a row's timeouts; without a day column they cannot be made a count per day: give the day column, or a column per day (次/天)", c.Unit)
		}
		if c.Weight != "" {
			use(c.Weight, p+".weight")
		}
	}
	for i, h := range m.Ignore {
		use(h, fmt.Sprintf("ignore[%d]", i))
	}
	for i, s := range m.SkipRows {
		if strings.TrimSpace(s) == "" {
			add(fmt.Sprintf("skip_rows[%d]", i), "is empty: it would skip every row")
		}
	}
	return errors.Join(errs...)
}

func unitFits(col, kpi sim.Unit) bool {
	return col == kpi || col == sim.UnitCount && kpi == sim.UnitCountPerDay
}

// Expected lists the headers the map knows, in the order a user reads
// them: day, sub-account, weight, the KPI columns, then the ignored ones.
func (m *ColumnMap) Expected() []string {
	var out []string
	add := func(h string) {
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	add(m.Day)
	add(m.Agent)
	add(m.Weight)
	for _, h := range m.order {
		add(h)
		add(m.KPIs[h].Weight)
	}
	for _, h := range m.Ignore {
		add(h)
	}
	return out
}

// ExportOptions say how to pool an export's rows.
type ExportOptions struct {
	// Period, when given, puts every row in that period ("2026-11" or
	// "trial"); otherwise each row goes to the month of its day.
	Period string
	// DailyLimit, when not negative, is the contract's daily timeout
	// limit: the share of days over it (timeout_bad_day_share) is computed
	// from daily timeouts.
	DailyLimit float64
}

// Export is an export read through a column map.
type Export struct {
	// Encoding is what the file was read as: UTF-8, UTF-8 with BOM,
	// UTF-16LE, UTF-16BE or GBK.
	Encoding string
	// Delimiter of the columns.
	Delimiter rune
	// Rows read, and rows skipped (empty, or a totals row).
	Rows, Skipped int
	// Periods are the KPI values per period, sorted. Each pooled value is
	// rounded to 12 significant digits (sim.RoundDecimal): the decimal the
	// rows give, without binary noise; it is the value written, printed
	// and judged.
	Periods []sim.PeriodKPIs
	// RowsPerPeriod counts the rows behind each period.
	RowsPerPeriod map[string]int
	// Counts are, per period, the denominators behind its pooled values,
	// named n_<kpi id>: the sum of the weights a rate was pooled with (the
	// rows, when the map gives no weight), the calendar days of a count
	// per day, the rows of a summed count.
	Counts map[string]map[string]float64
	Notes  []string
}

// maxExportErrors is how many bad cells one read reports.
const maxExportErrors = 20

// decodeText turns an export's bytes into UTF-8, detecting the encoding:
// a byte-order mark says UTF-8 or UTF-16; otherwise valid UTF-8 is UTF-8
// and anything else is read as GBK (GB18030, its superset), which must
// then decode without a replacement character.
func decodeText(data []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		b := data[3:]
		if !utf8.Valid(b) {
			return "", "", errors.New("a UTF-8 byte-order mark, but the text is not UTF-8")
		}
		return string(b), "UTF-8 with BOM", nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		name, end := "UTF-16LE", unicode.LittleEndian
		if data[0] == 0xFE {
			name, end = "UTF-16BE", unicode.BigEndian
		}
		b, err := unicode.UTF16(end, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err == nil && bytes.ContainsRune(b, utf8.RuneError) {
			err = errors.New("a broken character")
		}
		if err != nil {
			return "", "", fmt.Errorf("a %s byte-order mark, but the text does not decode: %v", name, err)
		}
		return string(b), name, nil
	case utf8.Valid(data):
		return string(data), "UTF-8", nil
	}
	b, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(b, utf8.RuneError) {
		return "", "", errors.New("neither UTF-8 nor GBK: save the export as CSV in UTF-8 or GBK")
	}
	return string(b), "GBK", nil
}

// delimiter guesses the column delimiter from the header line: a tab
// (Excel's "Unicode text"), a semicolon or a comma, whichever it holds
// most of.
func delimiter(line string) rune {
	best, n := ',', strings.Count(line, ",")
	for _, d := range []rune{'\t', ';'} {
		if c := strings.Count(line, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

// empties are cells that mean "no value".
var empties = []string{"", "-", "--", "—", "/", "n/a", "na", "null", "无"}

func isEmptyCell(s string) bool {
	return slices.Contains(empties, strings.ToLower(strings.TrimSpace(s)))
}

// ReadExport reads an export (file names it in errors) through m. Every
// bad cell is reported with its line, column and header (up to 20); a
// header m does not know is an error that lists the ones it does.
func ReadExport(file string, data []byte, m *ColumnMap, o ExportOptions) (*Export, error) {
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, &FieldError{File: file, Msg: err.Error()}
	}
	lines := strings.SplitAfter(text, "\n")
	hr := max(1, m.HeaderRow)
	if len(lines) < hr || strings.TrimSpace(lines[hr-1]) == "" {
		return nil, &FieldError{File: file, Line: hr, Column: 1, Msg: fmt.Sprintf("no header on line %d (the column map's header_row); want %s", hr, strings.Join(m.Expected(), ", "))}
	}
	x := &Export{Encoding: enc, Delimiter: delimiter(lines[hr-1]), RowsPerPeriod: map[string]int{}, Counts: map[string]map[string]float64{}}
	r := csv.NewReader(strings.NewReader(strings.Join(lines[hr-1:], "")))
	r.Comma = x.Delimiter
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	lineOf := func(l int) int { return l + hr - 1 }
	var errs []error
	fail := func(line, col int, field, format string, args ...any) {
		if len(errs) < maxExportErrors {
			errs = append(errs, &FieldError{File: file, Line: lineOf(line), Column: col, Field: field, Msg: fmt.Sprintf(format, args...)})
		}
	}
	// cellPos is the column of cell i of the record read last, in
	// characters as editors count them.
	cellPos := func(i int) (int, int) {
		l, c := r.FieldPos(i)
		full := lineOf(l)
		if full-1 < len(lines) {
			c = charColumn(lines[full-1], c)
		}
		return l, c
	}
	head, err := r.Read()
	if err != nil {
		return nil, exportCSVError(file, hr-1, err)
	}
	// Each column's role.
	type role struct {
		kind string // day, agent, weight, kpi, ignore, none
		kpi  string
		unit exportUnit
		name string // the header as written
	}
	known := map[string]bool{}
	for _, h := range m.Expected() {
		known[header(h)] = true
	}
	roles := make([]role, len(head))
	seen := map[string]int{}
	weightCol := map[string]int{} // normalised header → column
	for i, h := range head {
		n := header(h)
		roles[i].name = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		_, c := cellPos(i)
		switch {
		case n == "":
			roles[i].kind = "none"
			continue
		case seen[n] > 0:
			fail(1, c, roles[i].name, "the column %q is given twice (columns %d and %d)", roles[i].name, seen[n], i+1)
			continue
		case !known[n]:
			fail(1, c, roles[i].name, "column %d %q is not in the column map %s: want the export's columns %s (add it to the map's kpis or ignore)",
				i+1, roles[i].name, m.label(), strings.Join(m.Expected(), ", "))
			continue
		}
		seen[n] = i + 1
		weightCol[n] = i
		switch n {
		case header(m.Day):
			roles[i].kind = "day"
		case header(m.Agent):
			roles[i].kind = "agent"
		default:
			roles[i].kind = "ignore"
			for _, kh := range m.order {
				if header(kh) == n {
					c := m.KPIs[kh]
					roles[i] = role{kind: "kpi", kpi: c.KPI, unit: exportUnits[c.Unit], name: roles[i].name}
				}
			}
		}
	}
	need := func(h, what string) {
		if h != "" && seen[header(h)] == 0 {
			fail(1, 1, h, "the %s column %q is missing from the header (%s)", what, h, strings.Join(head, string(x.Delimiter)))
		}
	}
	need(m.Day, "day")
	need(m.Agent, "sub-account")
	// The weights of the KPI columns the export has.
	for _, h := range m.order {
		if seen[header(h)] == 0 {
			continue
		}
		w := m.KPIs[h].Weight
		if w == "" {
			w = m.Weight
		}
		need(w, "weight")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var missing []string
	for _, h := range m.order {
		if seen[header(h)] == 0 {
			missing = append(missing, fmt.Sprintf("%s (%s)", h, m.KPIs[h].KPI))
		}
	}
	if len(missing) > 0 {
		x.Notes = append(x.Notes, "not in this export, so not supplied: "+strings.Join(missing, ", "))
	}
	// The weight of each KPI column: its own, or the map's.
	weightOf := map[int]int{} // KPI column → weight column, -1 none
	for i, rl := range roles {
		if rl.kind != "kpi" {
			continue
		}
		weightOf[i] = -1
		w := m.Weight
		for _, kh := range m.order {
			if header(kh) == header(rl.name) && m.KPIs[kh].Weight != "" {
				w = m.KPIs[kh].Weight
			}
		}
		if w != "" {
			weightOf[i] = weightCol[header(w)]
		}
	}

	type cell struct {
		v, w float64
		hasW bool
	}
	type row struct {
		period, day, agent string
		vals               map[int]cell // by column
	}
	var rows []row
	noDayTold := false // the missing day column, told at the first row
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				fail(pe.Line, pe.Column, "", "CSV: %v", pe.Err)
				break
			}
			return nil, exportCSVError(file, hr-1, err)
		}
		line, _ := r.FieldPos(0)
		first := ""
		allEmpty := true
		for _, c := range rec {
			if strings.TrimSpace(c) != "" {
				allEmpty = false
				if first == "" {
					first = strings.TrimSpace(c)
				}
			}
		}
		if allEmpty || slices.ContainsFunc(m.SkipRows, func(p string) bool { return strings.HasPrefix(first, strings.TrimSpace(p)) }) {
			x.Skipped++
			continue
		}
		x.Rows++
		rw := row{vals: map[int]cell{}}
		weights := map[int]float64{}
		badWeight := map[int]bool{} // reported once, not again for each KPI it weighs
		for i, c := range rec {
			if i >= len(roles) {
				if strings.TrimSpace(c) != "" {
					_, col := cellPos(i)
					fail(line, col, "", "a value %q beyond the header's %d columns", c, len(roles))
				}
				continue
			}
			rl := roles[i]
			_, col := cellPos(i)
			switch rl.kind {
			case "none":
				if strings.TrimSpace(c) != "" {
					fail(line, col, "", "a value %q under a column without a header", c)
				}
			case "day":
				d, err := parseDay(c)
				if err != nil {
					fail(line, col, rl.name, "%v", err)
					continue
				}
				rw.day = d
			case "agent":
				rw.agent = strings.TrimSpace(c)
			}
			if n := header(rl.name); n != "" && isWeight(m, n) {
				if isEmptyCell(c) {
					continue
				}
				w, err := parseNumber(c)
				if err != nil || w < 0 {
					fail(line, col, rl.name, "%q: want a count of zero or more, such as 120", c)
					badWeight[i] = true
					continue
				}
				weights[i] = w
			}
		}
		for i, c := range rec {
			if i >= len(roles) || roles[i].kind != "kpi" || isEmptyCell(c) {
				continue
			}
			rl := roles[i]
			_, col := cellPos(i)
			v, err := parseCell(c, rl.unit)
			if err != nil {
				fail(line, col, rl.name, "%v", err)
				continue
			}
			k, _ := sim.LookupKPI(rl.kpi)
			if err := k.CheckValue(v); err != nil {
				if k.Unit == sim.UnitFraction && v > 1 {
					err = fmt.Errorf("a share cannot be above %s", map[bool]string{true: "100%", false: "1"}[rl.unit.factor == 0.01])
				}
				fail(line, col, rl.name, "%q (%s %v): %v", c, rl.kpi, v, err)
				continue
			}
			ce := cell{v: v}
			// Counts add up (import.md): only rates and times are weighted.
			counted := k.Unit == sim.UnitCount || k.Unit == sim.UnitCountPerDay
			if wc := weightOf[i]; wc >= 0 && !counted {
				w, ok := weights[wc]
				if !ok && badWeight[wc] {
					continue
				}
				if !ok {
					_, wcol := cellPos(wc)
					fail(line, wcol, roles[wc].name, "no weight for the %s of this row (%q): want a count such as 120", roles[i].name, c)
					continue
				}
				ce.w, ce.hasW = w, true
			}
			rw.vals[i] = ce
		}
		switch {
		case o.Period != "":
			rw.period = o.Period
		case rw.day != "":
			rw.period = rw.day[:7]
		case m.Day == "" && !noDayTold:
			// Once, at the first row: it is the file's fault, not each row's.
			noDayTold = true
			fail(line, 1, "", "the export has no day column: give the period its rows stand for (--period 2026-11, or trial)")
		}
		rows = append(rows, rw)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if x.Rows == 0 {
		return nil, &FieldError{File: file, Line: hr, Column: 1, Msg: "a header but no rows: want one row per day or sub-account"}
	}
	// Pool each period's rows.
	byPeriod := map[string][]row{}
	var periods []string
	for _, rw := range rows {
		if _, ok := byPeriod[rw.period]; !ok {
			periods = append(periods, rw.period)
		}
		byPeriod[rw.period] = append(byPeriod[rw.period], rw)
	}
	sort.Strings(periods)
	var kpiCols []int
	for i, rl := range roles {
		if rl.kind == "kpi" {
			kpiCols = append(kpiCols, i)
		}
	}
	for _, p := range periods {
		rs := byPeriod[p]
		x.RowsPerPeriod[p] = len(rs)
		pk := sim.PeriodKPIs{Period: p, Values: sim.KPIValues{}}
		counts := map[string]float64{}
		x.Counts[p] = counts
		for _, i := range kpiCols {
			rl := roles[i]
			k, _ := sim.LookupKPI(rl.kpi)
			var vals []cell
			for _, rw := range rs {
				if c, ok := rw.vals[i]; ok {
					vals = append(vals, c)
				}
			}
			if len(vals) == 0 {
				continue
			}
			switch k.Unit {
			case sim.UnitCount:
				s := 0.0
				for _, c := range vals {
					s += c.v
				}
				pk.Values[rl.kpi] = sim.RoundDecimal(s)
				counts["n_"+rl.kpi] = float64(len(vals))
			case sim.UnitCountPerDay:
				if m.Day == "" {
					s := 0.0 // per-day values of each sub-account: the team's is their sum
					for _, c := range vals {
						s += c.v
					}
					pk.Values[rl.kpi] = sim.RoundDecimal(s)
					counts["n_"+rl.kpi] = float64(len(vals))
					break
				}
				// DOMAIN.md §1: the count ÷ the calendar days from the
				// first to the last day of the period's rows, inclusive;
				// a day without a row (or without a value) had no
				// timeouts, and counts in both sums alike.
				perDay := map[string]float64{}
				first, last := "", ""
				for _, rw := range rs {
					if rw.day != "" && (first == "" || rw.day < first) {
						first = rw.day
					}
					if rw.day > last {
						last = rw.day
					}
					if c, ok := rw.vals[i]; ok {
						perDay[rw.day] += c.v
					}
				}
				days := len(perDay)
				if d0, err0 := time.Parse(time.DateOnly, first); err0 == nil {
					if d1, err1 := time.Parse(time.DateOnly, last); err1 == nil {
						days = max(days, int(d1.Sub(d0).Hours()/24+0.5)+1)
					}
				}
				s, bad := 0.0, 0
				for _, v := range perDay {
					s += v
					if o.DailyLimit >= 0 && v > o.DailyLimit {
						bad++
					}
				}
				pk.Values[rl.kpi] = sim.RoundDecimal(s / float64(days))
				counts["n_"+rl.kpi] = float64(days)
				if o.DailyLimit >= 0 && rl.kpi == "timeouts_per_day" {
					if _, given := pk.Values["timeout_bad_day_share"]; !given {
						pk.Values["timeout_bad_day_share"] = sim.RoundDecimal(float64(bad) / float64(days))
					}
				}
				note := fmt.Sprintf("%s %s: over the %d calendar days from %s to %s", p, rl.kpi, days, first, last)
				if quiet := days - len(perDay); quiet > 0 {
					note += fmt.Sprintf(", %d of them without a value (no row, or an empty cell), counted as days without timeouts", quiet)
				}
				x.Notes = append(x.Notes, note)
			default:
				sw, s, weighted := 0.0, 0.0, true
				for _, c := range vals {
					weighted = weighted && c.hasW
				}
				for _, c := range vals {
					w := 1.0
					if weighted {
						w = c.w
					}
					sw += w
					s += w * c.v
				}
				switch {
				case sw == 0:
					x.Notes = append(x.Notes, fmt.Sprintf("%s %s: every row weighs 0, so it is not supplied", p, rl.kpi))
					continue
				case !weighted && len(vals) > 1:
					x.Notes = append(x.Notes, fmt.Sprintf("%s %s: the unweighted mean of %d rows (the map gives no weight column: a pooled rate needs counts)", p, rl.kpi, len(vals)))
				}
				pk.Values[rl.kpi] = sim.RoundDecimal(s / sw)
				counts["n_"+rl.kpi] = sw
			}
		}
		x.Periods = append(x.Periods, pk)
	}
	return x, nil
}

func isWeight(m *ColumnMap, n string) bool {
	if m.Weight != "" && header(m.Weight) == n {
		return true
	}
	for _, h := range m.order {
		if w := m.KPIs[h].Weight; w != "" && header(w) == n {
			return true
		}
	}
	return false
}

func (m *ColumnMap) label() string {
	if m.Name != "" {
		return m.Name
	}
	return "given"
}

func exportCSVError(file string, offset int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FieldError{File: file, Line: pe.Line + offset, Column: pe.Column, Msg: "CSV: " + pe.Err.Error()}
	}
	if errors.Is(err, io.EOF) {
		return &FieldError{File: file, Msg: "the file is empty"}
	}
	return &FieldError{File: file, Msg: "CSV: " + err.Error()}
}

var dayForms = []*regexp.Regexp{
	regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$`),
	// 2026年11月11日, with a time after 日 (spaced or not) or after a space.
	regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})(?:日(?:\s*\d{1,2}:.*)?|\s+\d{1,2}:.*)?$`),
	regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})(?:[ T].*)?$`),
}

// parseDay reads a day as exports write it: 2026-11-11, 2026/11/11,
// 2026.11.11, 2026年11月11日 or 20261111 (a time after it is ignored).
func parseDay(s string) (string, error) {
	t := strings.TrimSpace(norm.NFKC.String(s))
	for _, re := range dayForms {
		if m := re.FindStringSubmatch(t); m != nil {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			d, _ := strconv.Atoi(m[3])
			day := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
			if y >= 2000 && y <= 2999 && day.Year() == y && int(day.Month()) == mo && day.Day() == d {
				return day.Format("2006-01-02"), nil
			}
		}
	}
	return "", fmt.Errorf("%q: want a day such as 2026-11-11, 2026/11/11 or 20261111", s)
}

// parseNumber reads a number that may have thousands separators.
func parseNumber(s string) (float64, error) {
	t := strings.ReplaceAll(strings.TrimSpace(norm.NFKC.String(s)), ",", "")
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

var (
	clockForm    = regexp.MustCompile(`^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$`)
	durationForm = regexp.MustCompile(`^(?:(\d+(?:\.\d+)?)(?:小时|时|h))?\s*(?:(\d+(?:\.\d+)?)(?:分钟|分|min|m))?\s*(?:(\d+(?:\.\d+)?)(?:秒钟|秒|s))?$`)
)

// parseCell reads a KPI cell in unit u: a number in that unit, a
// percentage with its sign (for %), or, for durations, a clock
// (00:01:05, 1:05) or a written duration (1分5秒, 1m5s, 25秒).
func parseCell(s string, u exportUnit) (float64, error) {
	t := strings.TrimSpace(norm.NFKC.String(s))
	if u.kind == sim.UnitFraction && u.factor == 0.01 {
		t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	}
	if v, err := parseNumber(t); err == nil {
		return v * u.factor, nil
	}
	if u.kind == sim.UnitSeconds {
		if m := clockForm.FindStringSubmatch(t); m != nil {
			h, _ := strconv.ParseFloat("0"+m[1], 64)
			mi, _ := strconv.ParseFloat(m[2], 64)
			se, _ := strconv.ParseFloat(m[3], 64)
			return h*3600 + mi*60 + se, nil
		}
		if m := durationForm.FindStringSubmatch(t); m != nil && t != "" {
			h, _ := strconv.ParseFloat("0"+m[1], 64)
			mi, _ := strconv.ParseFloat("0"+m[2], 64)
			se, _ := strconv.ParseFloat("0"+m[3], 64)
			return h*3600 + mi*60 + se, nil
		}
		return 0, fmt.Errorf("%q: want a duration such as 25 (in the column's unit), 00:01:05 or 1分5秒", s)
	}
	if u.kind == sim.UnitFraction && u.factor == 0.01 {
		return 0, fmt.Errorf("%q: want a percentage such as 95.3%% or 95.3", s)
	}
	return 0, fmt.Errorf("%q is not a number", s)
}

// CheckPeriod reports whether p is a period a KPI file may name: a month
// such as "2026-11", or "trial".
func CheckPeriod(p string) error { return checkPeriod(p) }
