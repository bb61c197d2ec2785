package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
	"github.com/deskdrill/deskdrill/web/chart"
)

// writePlanFiles writes levels.csv, hours.csv, with a roster roster.csv,
// and the charts to dir, and says which fonts the charts use.
func writePlanFiles(dir string, rep *plan.Report) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create output directory: %w", err)
	}
	ids := missIDs(rep.Levels)
	rows := [][]string{append([]string{"agents", "reps", "verdict", "agent_days", "p_refund", "p_refund_lo", "p_refund_hi", "refund_mean", "refund_p5",
		"refund_median", "refund_p90", "refund_p95", "refund_max", "disputes_mean", "dispute_refunds_mean", "abandon_rate", "agent_cost", "expected_total", "meets_risk"},
		prefixed("p_miss.", ids)...)}
	for i, l := range rep.Levels {
		r := l.Refund
		row := []string{strconv.Itoa(l.Agents), strconv.Itoa(l.Reps), l.Verdict.String(), ff(l.AgentDays), ff(r.PRefund), ff(r.PRefundCI.Lo), ff(r.PRefundCI.Hi), ff(r.Mean), ff(r.P5),
			ff(r.Median), ff(r.P90), ff(r.P95), ff(r.Max), ff(l.Disputes.Mean), ff(l.DisputeRefunds.Mean), ff(l.AbandonRate), ff(l.AgentCost), ff(l.ExpectedTotal),
			strconv.FormatBool(rep.Meets[i])}
		for _, id := range ids {
			row = append(row, ff(l.PMiss[id]))
		}
		rows = append(rows, row)
	}
	if err := writeCSV(filepath.Join(dir, "levels.csv"), rows); err != nil {
		return "", err
	}
	rows = [][]string{{"hour", "start", "arrived_mean", "agents", "occupancy", "chats_per_agent", "first_reply_p50_s", "first_reply_p90_s",
		"answered_30s", "reply_3min", "abandoned", "queue_mean", "queue_max", "queue_wait_s", "needed", "needed_reachable", "meets_target", "required", "rostered", "why"}}
	for _, h := range rep.Hours {
		rows = append(rows, []string{strconv.Itoa(h.Hour), h.Start, ff(h.Arrived), strconv.Itoa(h.Agents), ff(h.Occupancy), ff(h.ChatsPerAgent),
			ffp(h.FirstReplyP50), ffp(h.FirstReplyP90), ff(h.Answered30s), ff(h.Reply3min), ff(h.Abandoned), ff(h.MeanQueue), ff(h.MaxQueue), ff(h.QueueWait),
			strconv.Itoa(h.Needed), strconv.FormatBool(h.NeedReachable), strconv.FormatBool(h.Meets), intp(h.Required), ffp(h.Rostered), h.Why})
	}
	if err := writeCSV(filepath.Join(dir, "hours.csv"), rows); err != nil {
		return "", err
	}
	if r := rep.Roster; r != nil {
		rows = [][]string{{"start", "length", "agents", "paid_hours"}}
		for _, s := range r.Shifts {
			rows = append(rows, []string{s.Start.String(), sim.FormatDuration(hoursDuration(s.Hours)), strconv.Itoa(s.Agents), ff(s.PaidHours)})
		}
		if err := writeCSV(filepath.Join(dir, "roster.csv"), rows); err != nil {
			return "", err
		}
	}
	style, fonts := chart.Default()
	charts := []struct {
		name  string
		build func(*plan.Report) (*chart.Chart, error)
	}{{"refund-exposure", style.Exposure}, {"p-refund", style.PRefund}, {"hours", style.Hours}}
	if rep.Roster != nil {
		charts = append(charts, struct {
			name  string
			build func(*plan.Report) (*chart.Chart, error)
		}{"coverage", style.Coverage})
	}
	for _, ch := range charts {
		c, err := ch.build(rep)
		if err != nil {
			return "", err
		}
		for _, format := range []string{"png", "svg"} {
			path := filepath.Join(dir, ch.name+"."+format)
			f, err := os.Create(path)
			if err != nil {
				return "", fmt.Errorf("write chart: %w", err)
			}
			err = chart.Write(f, c, format)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return "", fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	return fonts, nil
}

func hoursDuration(h float64) (d time.Duration) { return time.Duration(h * float64(time.Hour)) }

func prefixed(p string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = p + id
	}
	return out
}

func ff(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }

func ffp(v *float64) string {
	if v == nil {
		return ""
	}
	return ff(*v)
}

func writeCSV(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
