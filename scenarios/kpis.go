package scenarios

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/deskdrill/deskdrill/sim"
)

// Reserved columns of a KPI file besides the KPI ids.
const (
	colPeriod   = "period"
	colExcluded = "excluded"
	colEvidence = "evidence" // JSON only: {kpi id: [conversation ids]}
	// colStatus says whether a row's figures are final or may still
	// change ("provisional"): an evidence pack of a trial under way marks
	// its rows so. It is checked and not read.
	colStatus = "status"
)

// CountPrefix starts the name of a count column in a KPI CSV file
// ("n_ratings"): the counts behind a row's rates, written so a reader can
// check them (an evidence pack's kpis-daily.csv has them; paid orders of a
// part of a day may be fractional). They are checked to be numbers of at
// least 0 and are otherwise not read: the KPI columns are what a contract
// judges.
const CountPrefix = "n_"

// utf8BOM is the byte-order mark Excel and Windows tools put before UTF-8
// text.
var utf8BOM = []byte("\ufeff")

// ParseKPIs reads KPI values per period from a CSV or JSON file (by the
// extension .csv or .json, else by the first character). file names it in
// errors, which carry the line and column of the bad cell. A period is a
// month "2026-11", "trial", or a day "2026-03-02" (a trial's daily record,
// which no clause judges). Either format may start with a UTF-8 byte-order
// mark.
//
// CSV: a header "period,<kpi id>,..." (an optional "excluded" column holds an
// exclusion reason; an optional "status" column says "final" or
// "provisional" and is not read; columns named n_... hold counts, checked
// and not read),
// then one row per period; an empty cell means "not supplied". JSON: a list
// of objects with "period", KPI ids, and optionally "excluded" and
// "evidence"; null means not supplied.
func ParseKPIs(file string, data []byte) ([]sim.PeriodKPIs, error) {
	return parseKPIs(file, data, nil)
}

// ParseKPIsFor is ParseKPIs for contract c: an exclusion c does not grant
// is an error at its cell, with the others of the file.
func ParseKPIsFor(file string, data []byte, c *sim.Contract) ([]sim.PeriodKPIs, error) {
	return parseKPIs(file, data, c)
}

// checkExclusion is c's CheckExclusion, and nothing without a contract.
func checkExclusion(c *sim.Contract, reason string) error {
	if c == nil {
		return nil
	}
	return c.CheckExclusion(reason)
}

func parseKPIs(file string, data []byte, g *sim.Contract) ([]sim.PeriodKPIs, error) {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".csv":
		return parseKPICSV(file, data, g)
	case ".json":
		return parseKPIJSON(file, data, g)
	}
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && (t[0] == '[' || t[0] == '{') {
		return parseKPIJSON(file, data, g)
	}
	return parseKPICSV(file, data, g)
}

// ParseKPIValue reads one KPI value ("0.87") and checks it against the
// catalogue: known id, a number, in range for its unit.
func ParseKPIValue(id, s string) (float64, error) {
	k, ok := sim.LookupKPI(id)
	if !ok {
		return 0, &sim.UnknownKPIError{ID: id}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		if strings.HasSuffix(strings.TrimSpace(s), "%") {
			return 0, fmt.Errorf("%q: write rates as fractions (0.87, not 87%%)", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if err := k.CheckValue(v); err != nil {
		return 0, err
	}
	return v, nil
}

func parseKPICSV(file string, data []byte, g *sim.Contract) ([]sim.PeriodKPIs, error) {
	// The byte-order mark is not a character of the first line: positions
	// are counted without it, in characters as editors count them (the
	// reader counts bytes).
	data = bytes.TrimPrefix(data, utf8BOM)
	lines := bytes.SplitAfter(data, []byte("\n"))
	chars := func(line, col int) int {
		if line >= 1 && line <= len(lines) {
			return charColumn(lines[line-1], col)
		}
		return col
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = 0
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, &FieldError{File: file, Msg: "the file is empty (want a header: period,<kpi id>,...)"}
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	// FieldPos refers to the record read last, so a cell's position is
	// taken right after its row is read.
	fail := func(col int, field, format string, args ...any) error {
		line, column := r.FieldPos(col)
		return &FieldError{File: file, Line: line, Column: chars(line, column), Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		cols[i] = h
		switch {
		case i == 0 && h != colPeriod:
			return nil, fail(i, h, "the first column must be %q", colPeriod)
		case seen[h]:
			return nil, fail(i, h, "column given twice")
		case i == 0 || h == colExcluded || h == colStatus:
		case strings.HasPrefix(h, CountPrefix) && len(h) > len(CountPrefix):
		default:
			if _, ok := sim.LookupKPI(h); !ok {
				return nil, fail(i, h, "%v", &sim.UnknownKPIError{ID: h})
			}
		}
		seen[h] = true
	}
	var out []sim.PeriodKPIs
	periods := map[string]bool{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		p := sim.PeriodKPIs{Values: sim.KPIValues{}}
		for i, cell := range rec {
			cell = strings.TrimSpace(cell)
			switch {
			case i == 0:
				if err := checkPeriod(cell); err != nil {
					return nil, fail(i, colPeriod, "%v", err)
				}
				if periods[cell] {
					return nil, fail(i, colPeriod, "period %s is given twice", cell)
				}
				periods[cell] = true
				p.Period = cell
			case cols[i] == colExcluded:
				if err := checkExclusion(g, cell); err != nil {
					return nil, fail(i, colExcluded, "%v", err)
				}
				p.Excluded = cell
			case cols[i] == colStatus:
				if cell != "" && cell != "final" && cell != "provisional" {
					return nil, fail(i, colStatus, "%q: want final or provisional", cell)
				}
			case cell == "":
			case strings.HasPrefix(cols[i], CountPrefix):
				if n, err := strconv.ParseFloat(cell, 64); err != nil || !(n >= 0) || math.IsInf(n, 0) {
					return nil, fail(i, cols[i], "%q: a count column (%s...) holds a number of at least 0", cell, CountPrefix)
				}
			default:
				v, err := ParseKPIValue(cols[i], cell)
				if err != nil {
					return nil, fail(i, cols[i], "%v", err)
				}
				p.Values[cols[i]] = v
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, &FieldError{File: file, Line: 1, Column: 1, Msg: "a header but no rows: give one row per period"}
	}
	return out, nil
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FieldError{File: file, Line: pe.Line, Column: pe.Column, Msg: "CSV: " + pe.Err.Error()}
	}
	return &FieldError{File: file, Msg: "CSV: " + err.Error()}
}

// checkPeriod accepts a month "2026-11", "trial" or a day "2026-03-02".
func checkPeriod(p string) error {
	if p == sim.TrialPeriod || sim.IsDayPeriod(p) {
		return nil
	}
	if len(p) == 7 && p[4] == '-' {
		y, err1 := strconv.Atoi(p[:4])
		m, err2 := strconv.Atoi(p[5:])
		if err1 == nil && err2 == nil && y >= 2000 && y <= 2999 && m >= 1 && m <= 12 {
			return nil
		}
	}
	return fmt.Errorf("%q is not a period: want a month such as 2026-11, %q, or a day such as 2026-03-02", p, sim.TrialPeriod)
}

// jsonReader walks a JSON document token by token, so every error can name
// the line and column it occurred at.
type jsonReader struct {
	file   string
	data   []byte
	dec    *json.Decoder
	grants *sim.Contract // nil: exclusions unchecked
}

func (j *jsonReader) pos(off int64) (int, int) {
	if off > int64(len(j.data)) {
		off = int64(len(j.data))
	}
	before := j.data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// errAt positions an error at the start of the next token after off.
func (j *jsonReader) errAt(off int64, field, format string, args ...any) error {
	off = max(off, 0) // a syntax error on the first byte reports offset 1, minus 1
	for off < int64(len(j.data)) && strings.ContainsRune(" \t\r\n:,", rune(j.data[off])) {
		off++
	}
	line, col := j.pos(off)
	return &FieldError{File: j.file, Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (j *jsonReader) token(field string) (json.Token, int64, error) {
	off := j.dec.InputOffset()
	t, err := j.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, off, j.errAt(se.Offset-1, field, "JSON syntax: %v", se)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, off, j.errAt(int64(len(j.data)), field, "JSON ends too early")
		}
		return nil, off, j.errAt(off, field, "JSON: %v", err)
	}
	return t, off, nil
}

func parseKPIJSON(file string, data []byte, g *sim.Contract) ([]sim.PeriodKPIs, error) {
	// The mark is blanked rather than cut, so the offsets behind every
	// error's line and column stay those of the file.
	if bytes.HasPrefix(data, utf8BOM) {
		data = append([]byte("   "), data[len(utf8BOM):]...)
	}
	j := &jsonReader{file: file, data: data, dec: json.NewDecoder(bytes.NewReader(data)), grants: g}
	j.dec.UseNumber()
	t, off, err := j.token("")
	if err != nil {
		return nil, err
	}
	var out []sim.PeriodKPIs
	periods := map[string]bool{}
	readObject := func(index string) error {
		p, err := j.object(index, periods)
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	}
	switch t {
	case json.Delim('['):
		for i := 0; j.dec.More(); i++ {
			t, off, err := j.token(fmt.Sprintf("[%d]", i))
			if err != nil {
				return nil, err
			}
			if t != json.Delim('{') {
				return nil, j.errAt(off, fmt.Sprintf("[%d]", i), "want an object {\"period\": ..., KPI ids: values}")
			}
			if err := readObject(fmt.Sprintf("[%d]", i)); err != nil {
				return nil, err
			}
		}
		if _, _, err := j.token(""); err != nil {
			return nil, err
		}
	case json.Delim('{'):
		if err := readObject(""); err != nil {
			return nil, err
		}
	default:
		return nil, j.errAt(off, "", "want a list of objects [{\"period\": \"2026-11\", \"satisfaction\": 0.87}]")
	}
	if off := j.dec.InputOffset(); len(bytes.TrimSpace(data[off:])) > 0 {
		return nil, j.errAt(off, "", "unexpected data after the end of the list")
	}
	if len(out) == 0 {
		return nil, j.errAt(0, "", "no periods: give one object per period")
	}
	return out, nil
}

// object reads the members of one period object; the '{' is consumed.
func (j *jsonReader) object(index string, periods map[string]bool) (sim.PeriodKPIs, error) {
	p := sim.PeriodKPIs{Values: sim.KPIValues{}}
	start := j.dec.InputOffset()
	seen := map[string]bool{}
	for j.dec.More() {
		t, off, err := j.token(index)
		if err != nil {
			return p, err
		}
		key, _ := t.(string)
		field := join(index, key)
		if seen[key] {
			return p, j.errAt(off, field, "given twice")
		}
		seen[key] = true
		switch key {
		case colPeriod, colExcluded:
			t, off, err := j.token(field)
			if err != nil {
				return p, err
			}
			s, ok := t.(string)
			if !ok {
				return p, j.errAt(off, field, "want a string")
			}
			if key == colExcluded {
				if err := checkExclusion(j.grants, s); err != nil {
					return p, j.errAt(off, field, "%v", err)
				}
				p.Excluded = s
				continue
			}
			if err := checkPeriod(s); err != nil {
				return p, j.errAt(off, field, "%v", err)
			}
			if periods[s] {
				return p, j.errAt(off, field, "period %s is given twice", s)
			}
			periods[s] = true
			p.Period = s
		case colEvidence:
			off := j.dec.InputOffset()
			var ev map[string][]string
			if err := j.dec.Decode(&ev); err != nil {
				return p, j.errAt(off, field, "want {\"<kpi id>\": [\"<conversation id>\", ...]}: %v", err)
			}
			p.Evidence = ev
		default:
			if _, ok := sim.LookupKPI(key); !ok {
				return p, j.errAt(off, field, "%v", &sim.UnknownKPIError{ID: key})
			}
			t, off, err := j.token(field)
			if err != nil {
				return p, err
			}
			switch v := t.(type) {
			case nil:
			case json.Number:
				f, err := ParseKPIValue(key, v.String())
				if err != nil {
					return p, j.errAt(off, field, "%v", err)
				}
				p.Values[key] = f
			default:
				if d, ok := t.(json.Delim); ok && (d == '[' || d == '{') {
					return p, j.errAt(off, field, "want a number, got a %s", map[json.Delim]string{'[': "list", '{': "object"}[d])
				}
				if s, ok := t.(string); ok {
					// A quoted number is still text: say so, quotes and all.
					return p, j.errAt(off, field, "want a number, got the text %q", s)
				}
				return p, j.errAt(off, field, "want a number, got %v", t)
			}
		}
	}
	if _, _, err := j.token(index); err != nil {
		return p, err
	}
	if p.Period == "" {
		return p, j.errAt(start-1, join(index, colPeriod), "is required")
	}
	return p, nil
}
