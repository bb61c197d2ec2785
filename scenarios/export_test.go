package scenarios_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

// testMap is a column map of a Qianniu-like export, one row per
// sub-account and day.
const testMap = `name: test
header_row: 2
day: 日期
agent: 子账号
weight: 接待人数
kpis:
  平均响应时长（秒）: {kpi: response_avg_s, unit: 秒}
  首次响应时长: {kpi: first_response_avg_s, unit: s}
  3分钟回复率: {kpi: reply_rate_3min, unit: "%"}
  客户满意率: {kpi: satisfaction, unit: "%", weight: 评价人数}
  响应超时次数: {kpi: timeouts_per_day, unit: 次}
ignore: [销售额]
skip_rows: [合计]
`

// testExport is an export with a title line, a totals row (skipped), a
// blank line (no row at all), an empty cell, clock and written
// durations, percentages with and without the sign, and thousands
// separators in an ignored column.
const testExport = "子账号绩效 2026-11-01 至 2026-11-02\r\n" +
	"日期,子账号,接待人数,评价人数,平均响应时长(秒),首次响应时长,3分钟回复率,客户满意率,响应超时次数,销售额\r\n" +
	"2026-11-01,小王,100,40,12,00:00:20,97%,0.9,1,\"12,345.00\"\r\n" +
	"2026/11/01,小李,100,10,18,30秒,99,1,3,\"1,000\"\r\n" +
	"\r\n" +
	"20261102,小王,200,50,15,1分,98%,—,8,0\r\n" +
	"合计,,400,100,,,,,12,\r\n"

func mustMap(t *testing.T, y string) *scenarios.ColumnMap {
	t.Helper()
	m, err := scenarios.ParseColumnMap("map.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The expected values are written from docs/import.md's rules before the
// code ran: rates pooled over rows by their weight column, timeouts summed
// per day and averaged over the days.
func TestReadExport_Pools(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(testExport)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(strings.ReplaceAll(testExport, ",", "\t"))
	if err != nil {
		t.Fatal(err)
	}
	m := mustMap(t, testMap)
	want := map[string]float64{
		"response_avg_s":       (100*12 + 100*18 + 200*15) / 400.0, // 15
		"first_response_avg_s": (100*20 + 100*30 + 200*60) / 400.0, // 42.5
		"reply_rate_3min":      (100*0.97 + 100*0.99 + 200*0.98) / 400,
		"satisfaction":         (40*0.009 + 10*0.01) / 50, // 0.9 and 1 are percent: 0.9 % and 1 %
		"timeouts_per_day":     (4 + 8) / 2.0,             // day one 1 + 3, day two 8
	}
	for _, tc := range []struct {
		name, data, encoding string
		delim                rune
	}{
		{"UTF-8", testExport, "UTF-8", ','},
		{"UTF-8 with BOM", "\ufeff" + testExport, "UTF-8 with BOM", ','},
		{"GBK", gbk, "GBK", ','},
		{"UTF-16 tab-separated (Excel's Unicode text)", utf16, "UTF-16LE", '\t'},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := scenarios.ReadExport("export.csv", []byte(tc.data), m, scenarios.ExportOptions{DailyLimit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if x.Encoding != tc.encoding || x.Delimiter != tc.delim || x.Rows != 3 || x.Skipped != 1 || len(x.Periods) != 1 || x.Periods[0].Period != "2026-11" {
				t.Fatalf("read as %s %q, %d rows, %d skipped, periods %+v", x.Encoding, x.Delimiter, x.Rows, x.Skipped, x.Periods)
			}
			got := x.Periods[0].Values
			for id, w := range want {
				if math.Abs(got[id]-w) > 1e-12 {
					t.Errorf("%s = %v; want %v", id, got[id], w)
				}
			}
			if got["timeout_bad_day_share"] != 0.5 {
				t.Errorf("timeout_bad_day_share = %v; want 0.5 (one of two days over 5)", got["timeout_bad_day_share"])
			}
			// The denominators: ratings 40 + 10 behind satisfaction, the
			// 400 sessions behind the response time, two days.
			n := x.Counts["2026-11"]
			if n["n_satisfaction"] != 50 || n["n_response_avg_s"] != 400 || n["n_timeouts_per_day"] != 2 {
				t.Errorf("counts %v; want n_satisfaction 50, n_response_avg_s 400, n_timeouts_per_day 2", n)
			}
		})
	}
}

func TestReadExport_Options(t *testing.T) {
	m := mustMap(t, testMap)
	x, err := scenarios.ReadExport("export.csv", []byte(testExport), m, scenarios.ExportOptions{Period: "trial", DailyLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Periods) != 1 || x.Periods[0].Period != "trial" {
		t.Errorf("periods %+v; want one, trial", x.Periods)
	}
	if _, ok := x.Periods[0].Values["timeout_bad_day_share"]; ok {
		t.Error("a bad-day share without a daily limit")
	}
	// One row per sub-account, no day: the period is needed, the rates
	// without a weight are plain means, and a note says so.
	agents := mustMap(t, "agent: 子账号\nkpis:\n  满意率: {kpi: satisfaction, unit: \"%\"}\n  超时/天: {kpi: timeouts_per_day, unit: 次/天}\n")
	data := "子账号,满意率,超时/天\n小王,90%,2\n小李,80%,1.5\n"
	if _, err := scenarios.ReadExport("a.csv", []byte(data), agents, scenarios.ExportOptions{DailyLimit: -1}); err == nil ||
		!strings.Contains(err.Error(), "a.csv:2:1: the export has no day column: give the period") {
		t.Errorf("no period: %v", err)
	}
	x, err = scenarios.ReadExport("a.csv", []byte(data), agents, scenarios.ExportOptions{Period: "2026-11", DailyLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if v := x.Periods[0].Values; math.Abs(v["satisfaction"]-0.85) > 1e-12 || v["timeouts_per_day"] != 3.5 {
		t.Errorf("values %v; want satisfaction 0.85 (the plain mean) and 3.5 timeouts a day (the team's: the sum)", v)
	}
	if !strings.Contains(strings.Join(x.Notes, "\n"), "the unweighted mean of 2 rows") {
		t.Errorf("notes %q; want one on the unweighted mean", x.Notes)
	}
}

func TestReadExport_Errors(t *testing.T) {
	m := mustMap(t, testMap)
	head := "标题\n日期,子账号,接待人数,评价人数,平均响应时长(秒),首次响应时长,3分钟回复率,客户满意率,响应超时次数,销售额\n"
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"unknown header lists the known ones", "标题\n日期,子账号,客服工号,接待人数\n",
			[]string{`export.csv:2:8: 客服工号: column 3 "客服工号" is not in the column map test: want the export's columns 日期, 子账号, 接待人数, 平均响应时长（秒）, 首次响应时长, 3分钟回复率, 客户满意率, 评价人数, 响应超时次数, 销售额`}},
		{"missing day column", "标题\n子账号,接待人数\n", []string{`export.csv:2:1: 日期: the day column "日期" is missing`}},
		{"header given twice", "标题\n日期,日期,子账号\n", []string{`export.csv:2:4: 日期: the column "日期" is given twice (columns 1 and 2)`}},
		{"bad cells", head + "2026-11-31,小王,1e3x,5,12,20s,97%,95%,1,0\n2026-11-02,小王,100,,12,1小时2,150%,95%,-1,0\n",
			[]string{
				`export.csv:3:1: 日期: "2026-11-31": want a day such as 2026-11-11`,
				`export.csv:3:15: 接待人数: "1e3x": want a count of zero or more, such as 120`,
				`export.csv:4:23: 首次响应时长: "1小时2": want a duration such as 25 (in the column's unit), 00:01:05 or 1分5秒`,
				`export.csv:4:28: 3分钟回复率: "150%" (reply_rate_3min 1.5): a share cannot be above 100%`,
				`export.csv:4:19: 评价人数: no weight for the 客户满意率 of this row ("95%")`,
				`export.csv:4:37: 响应超时次数: "-1" (timeouts_per_day -1): -1 is negative`,
			}},
		{"no rows", head + "合计,,1,1,,,,,,\n", []string{"export.csv:2:1: a header but no rows"}},
		{"no header", "标题\n", []string{"export.csv:2:1: no header on line 2"}},
		{"not text", "\xff\xfe\x00", []string{"a UTF-16LE byte-order mark, but the text does not decode"}},
		{"neither UTF-8 nor GBK", "\x81\x30", []string{"export.csv: neither UTF-8 nor GBK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.ReadExport("export.csv", []byte(tc.data), m, scenarios.ExportOptions{DailyLimit: -1})
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, scenarios.ErrBadInput) {
				t.Errorf("%v: not bad input", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to contain\n%s", err, w)
				}
			}
		})
	}
}

// import.md: a row without its weight is an error for rates and times;
// counts (timeouts per day) add up and need none. An export without a day
// column and without --period is told so once, not once per row.
func TestReadExport_WeightsAndNoDay(t *testing.T) {
	m := mustMap(t, "name: nd\nagent: 子账号\nweight: 接待人数\nkpis:\n  3分钟回复率: {kpi: reply_rate_3min, unit: \"%\"}\n  超时: {kpi: timeouts_per_day, unit: 次/天}\n")
	data := "子账号,接待人数,3分钟回复率,超时\na,100,97%,2\nb,,99%,3\nc,,,4\n"
	_, err := scenarios.ReadExport("nd.csv", []byte(data), m, scenarios.ExportOptions{DailyLimit: -1})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !strings.Contains(msg, `nd.csv:3:3: 接待人数: no weight for the 3分钟回复率 of this row ("99%")`) || strings.Contains(msg, "no weight for the 超时") {
		t.Errorf("error:\n%v\nwant the rate's missing weight, not the count's", err)
	}
	if n := strings.Count(msg, "the export has no day column"); n != 1 {
		t.Errorf("the missing day column told %d times:\n%v\nwant once", n, err)
	}
	// With the weight given, the count needs none: the file reads.
	data = "子账号,接待人数,3分钟回复率,超时\na,100,97%,2\nb,100,99%,3\nc,,,4\n"
	if _, err := scenarios.ReadExport("nd.csv", []byte(data), m, scenarios.ExportOptions{DailyLimit: -1, Period: "2026-11"}); err != nil {
		t.Errorf("a count without a weight: %v; want read", err)
	}
}

func TestParseColumnMap_Errors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"no kpis", "name: x\n", "map.yaml:1:1: kpis: at least one KPI column is required"},
		{"unknown kpi", "kpis:\n  满意率: {kpi: happiness, unit: \"%\"}\n", `map.yaml:2:14: kpis.满意率.kpi: unknown KPI "happiness"`},
		{"unit of another kind", "kpis:\n  满意率: {kpi: satisfaction, unit: 秒}\n", `map.yaml:2:34: kpis.满意率.unit: "秒" holds seconds, but satisfaction is fraction`},
		{"unknown unit", "kpis:\n  满意率: {kpi: satisfaction, unit: pct}\n", `kpis.满意率.unit: "pct": want one of`},
		{"a column with two roles", "day: 日期\nkpis:\n  日期: {kpi: satisfaction, unit: \"%\"}\n", `map.yaml:3:7: kpis.日期: column "日期" has two roles, day and kpis.日期`},
		{"count without days", "kpis:\n  超时: {kpi: timeouts_per_day, unit: 次}\n", "without a day column they cannot be made a count per day"},
		{"unknown field", "kpis:\n  满意率: {kpi: satisfaction, unit: \"%\", weigth: x}\n", `unknown field "weigth"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.ParseColumnMap("map.yaml", []byte(tc.yaml))
			if err == nil || !errors.Is(err, scenarios.ErrBadInput) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v; want bad input containing %q", err, tc.want)
			}
		})
	}
}

// TestParseColumnMap_RoleConflicts: docs/import.md says a column with two
// roles is an error. Every pair of roles is one, at the second field that
// names the column, naming the column and both fields; the only column
// that may be named twice is a weight (the map's and a KPI's own).
func TestParseColumnMap_RoleConflicts(t *testing.T) {
	const base = "day: 日期\nagent: 子账号\nweight: 接待人数\n"
	const sat = "  客户满意率: {kpi: satisfaction, unit: \"%\", weight: 评价人数}\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"ignore the map's weight", base + "kpis:\n" + sat + "ignore: [销售额, 接待人数]\n",
			`map.yaml:6:15: ignore[1]: column "接待人数" has two roles, weight and ignore[1]`},
		{"ignore a KPI's own weight", base + "kpis:\n" + sat + "ignore: [评价人数]\n",
			`map.yaml:6:10: ignore[0]: column "评价人数" has two roles, kpis.客户满意率.weight and ignore[0]`},
		{"weight is the day", base[:len(base)-len("接待人数\n")] + "日期\nkpis:\n" + sat,
			`map.yaml:3:9: weight: column "日期" has two roles, day and weight`},
		{"a KPI's weight is the day", base + "kpis:\n  客户满意率: {kpi: satisfaction, unit: \"%\", weight: 日期}\n",
			`kpis.客户满意率.weight: column "日期" has two roles, day and kpis.客户满意率.weight`},
		{"a KPI's weight is the sub-account", base + "kpis:\n  客户满意率: {kpi: satisfaction, unit: \"%\", weight: 子账号}\n",
			`kpis.客户满意率.weight: column "子账号" has two roles, agent and kpis.客户满意率.weight`},
		{"a KPI weighted by itself", base + "kpis:\n  客户满意率: {kpi: satisfaction, unit: \"%\", weight: 客户满意率}\n",
			`kpis.客户满意率.weight: column "客户满意率" has two roles, kpis.客户满意率 and kpis.客户满意率.weight`},
		{"a KPI column is the weight", base + "kpis:\n  接待人数: {kpi: qa_hard_fails, unit: 次}\n",
			`kpis.接待人数: column "接待人数" has two roles, weight and kpis.接待人数`},
		{"a KPI column is a KPI's weight", base + "kpis:\n" + sat + "  评价人数: {kpi: qa_hard_fails, unit: 次}\n",
			`kpis.评价人数: column "评价人数" has two roles, kpis.客户满意率.weight and kpis.评价人数`},
		{"the day is the sub-account", "day: 日期\nagent: 日期\nkpis:\n" + sat,
			`map.yaml:2:8: agent: column "日期" has two roles, day and agent`},
		{"an ignored KPI", base + "kpis:\n" + sat + "ignore: [客户满意率]\n",
			`ignore[0]: column "客户满意率" has two roles, kpis.客户满意率 and ignore[0]`},
		{"ignored twice", base + "kpis:\n" + sat + "ignore: [销售额, 销售额]\n",
			`ignore[1]: column "销售额" has two roles, ignore[0] and ignore[1]`},
		{"the day ignored, written in full width", "day: 日期（天）\nkpis:\n" + sat + "ignore: [日期(天)]\n",
			`ignore[0]: column "日期(天)" has two roles, day and ignore[0]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.ParseColumnMap("map.yaml", []byte(tc.yaml))
			if err == nil || !errors.Is(err, scenarios.ErrBadInput) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v; want bad input containing %q", err, tc.want)
			}
		})
	}
	// A weight named twice is one role: the map's weight and a KPI's own.
	mustMap(t, base+"kpis:\n  客户满意率: {kpi: satisfaction, unit: \"%\", weight: 接待人数}\n  3分钟回复率: {kpi: reply_rate_3min, unit: \"%\", weight: 接待人数}\n")
}

// The built-in maps parse, say they are unverified (no header of theirs is
// in the seed texts), and read an export written with their own headers.
func TestColumnMaps_BuiltIn(t *testing.T) {
	names := scenarios.ColumnMapNames()
	if strings.Join(names, ",") != "doudian,jd-dongdong,qianniu-subaccount" {
		t.Fatalf("built-in maps %v", names)
	}
	for _, n := range names {
		m, err := scenarios.LoadColumnMap(n)
		if err != nil {
			t.Fatal(err)
		}
		if m.Unverified != "unverified: check the headers against your export" {
			t.Errorf("%s: unverified %q", n, m.Unverified)
		}
		hs := m.Expected()
		row := make([]string, len(hs))
		for i, h := range hs {
			row[i] = "1"
			if h == m.Day {
				row[i] = "2026-11-11"
			}
			if h == m.Agent {
				row[i] = "a"
			}
		}
		data := strings.Join(hs, ",") + "\n" + strings.Join(row, ",") + "\n"
		x, err := scenarios.ReadExport(n+".csv", []byte(data), m, scenarios.ExportOptions{DailyLimit: -1})
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if len(x.Periods) != 1 || len(x.Periods[0].Values) == 0 {
			t.Errorf("%s: %+v", n, x.Periods)
		}
	}
}

// FuzzReadExport: no input panics the reader; every error is a
// positioned bad-input error; every value read is a valid KPI value.
func FuzzReadExport(f *testing.F) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(testExport)
	for _, s := range []string{testExport, gbk, "\ufeff" + testExport, strings.ReplaceAll(testExport, ",", "\t"),
		"t\n日期,子账号\n2026-11-01,x\n", "t\n日期,\"子\"账号\n", "t\n,,,\n,,1\n", "t\n日期,平均响应时长(秒)\n2026-1-1,1:2:3\n"} {
		f.Add([]byte(s))
	}
	m, err := scenarios.ParseColumnMap("map.yaml", []byte(testMap))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := scenarios.ReadExport("fuzz.csv", data, m, scenarios.ExportOptions{DailyLimit: 5})
		badInputOnly(t, err)
		if err != nil {
			return
		}
		for _, p := range x.Periods {
			if scenarios.CheckPeriod(p.Period) != nil {
				t.Fatalf("period %q", p.Period)
			}
			for id, v := range p.Values {
				k, ok := sim.LookupKPI(id)
				if !ok || k.CheckValue(v) != nil {
					t.Fatalf("%s = %v", id, v)
				}
			}
		}
	})
}

// FuzzParseColumnMap: no input panics the decoder and every error is a
// positioned bad-input error.
func FuzzParseColumnMap(f *testing.F) {
	f.Add([]byte(testMap))
	for _, n := range scenarios.ColumnMapNames() {
		b, _ := scenarios.ColumnMapSource(n)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := scenarios.ParseColumnMap("fuzz.yaml", data)
		badInputOnly(t, err)
		if err == nil && len(m.Expected()) == 0 {
			t.Fatal("an accepted map expects no column")
		}
	})
}

// Timeouts per day divide by the calendar days from the first to the last
// day of the period's rows (DOMAIN.md §1: a day without chats counts), the
// same days in the count and the division. Expected: 4 on 11-01, nothing
// exported for 11-02, an empty cell on 11-03 and 2 on 11-04 give 6 ÷ 4
// days = 1.5 (not 6 ÷ 2 days with a value = 3); with a daily limit of 3,
// one bad day of 4.
func TestReadExport_TimeoutsOverCalendarDays(t *testing.T) {
	m := mustMap(t, "day: 日期\nkpis:\n  超时: {kpi: timeouts_per_day, unit: 次}\n")
	data := "日期,超时\n2026-11-01,4\n2026-11-03,\n2026-11-04,2\n"
	x, err := scenarios.ReadExport("t.csv", []byte(data), m, scenarios.ExportOptions{DailyLimit: 3})
	if err != nil {
		t.Fatal(err)
	}
	v := x.Periods[0].Values
	if v["timeouts_per_day"] != 1.5 || v["timeout_bad_day_share"] != 0.25 {
		t.Errorf("timeouts_per_day %v, bad-day share %v; want 1.5 and 0.25", v["timeouts_per_day"], v["timeout_bad_day_share"])
	}
	if n := x.Counts["2026-11"]["n_timeouts_per_day"]; n != 4 {
		t.Errorf("n_timeouts_per_day = %v; want the 4 days divided by", n)
	}
	if n := strings.Join(x.Notes, "\n"); !strings.Contains(n, "over the 4 calendar days from 2026-11-01 to 2026-11-04, 2 of them without a value") {
		t.Errorf("notes %q; want the days and the two without a value", n)
	}
}

// TestReadExport_DecimalValues: the pooled values are the decimals the
// rows give, not their binary noise (docs/import.md): (40 × 92 % + 10 ×
// 80 %) ÷ 50 is 0.896, not 0.8960000000000001, and (84 % + 96 %) ÷ 2 is
// 0.9, which meets a 0.90 target, not 0.8999999999999999, which misses it.
func TestReadExport_DecimalValues(t *testing.T) {
	m := mustMap(t, testMap)
	const head = "子账号绩效\n日期,子账号,接待人数,评价人数,平均响应时长(秒),首次响应时长,3分钟回复率,客户满意率,响应超时次数,销售额\n"
	for _, tc := range []struct {
		name, rows string
		want       map[string]float64
	}{
		{"noise above", "2026-11-01,小王,100,40,12,20,97%,92%,1,0\n2026-11-01,小李,100,10,18,30,99%,80%,3,0\n2026-11-02,小王,200,50,15,60,98%,—,8,0\n",
			map[string]float64{"satisfaction": 0.896, "reply_rate_3min": 0.98, "timeouts_per_day": 6, "timeout_bad_day_share": 0.5}},
		{"noise below a target", "2026-11-01,小王,1,1,12,20,97%,84%,1,0\n2026-11-02,小王,1,1,15,60,98%,96%,8,0\n2026-11-03,小王,1,1,15,60,98%,90%,11,0\n",
			map[string]float64{"satisfaction": 0.9, "timeouts_per_day": 20.0 / 3, "timeout_bad_day_share": 2.0 / 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := scenarios.ReadExport("export.csv", []byte(head+tc.rows), m, scenarios.ExportOptions{DailyLimit: 5})
			if err != nil {
				t.Fatal(err)
			}
			for id, w := range tc.want {
				w = sim.RoundDecimal(w)
				if g := x.Periods[0].Values[id]; g != w {
					t.Errorf("%s = %v; want %v exactly", id, g, w)
				}
			}
		})
	}
}
