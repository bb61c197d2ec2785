package web

import (
	"context"
	"fmt"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
)

// resume takes over interrupted run rc.Resume for lr: it records the
// resumption, loads the conversations recorded before the interruption
// (all closed when the run was marked) with their scores, so the live
// review covers the whole run, and returns the number of the next
// conversation and the scenario time the arrivals go on from.
func (lr *liveRun) resume(ctx context.Context, rc RunConfig) (firstConv int, elapsed time.Duration, err error) {
	st := lr.s.store
	run, err := st.Run(ctx, rc.Resume)
	if err != nil {
		return 0, 0, err
	}
	if _, err := st.Verdict(ctx, run.ID); err == nil {
		return 0, 0, fmt.Errorf("resume run %d: its trial ended and its verdict is recorded: it is final", run.ID)
	}
	if run.Scenario != rc.Scenario.Name || run.Seed != rc.Seed || run.Speed != rc.Speed {
		return 0, 0, fmt.Errorf("resume run %d: it runs %s with seed %d at %g×, not %s with seed %d at %g×",
			run.ID, run.Scenario, run.Seed, run.Speed, rc.Scenario.Name, rc.Seed, rc.Speed)
	}
	last, err := st.LastConversation(ctx, run.ID)
	if err != nil {
		return 0, 0, err
	}
	convs, err := st.Conversations(ctx, run.ID)
	if err != nil {
		return 0, 0, err
	}
	if run, err = st.ResumeRun(ctx, run.ID, lr.started); err != nil {
		return 0, 0, err
	}
	lr.run = run
	lr.started = run.Started
	lr.scenario = OnRunCalendar(rc.Scenario, run)
	for _, c := range convs {
		lr.finished = append(lr.finished, c)
		lr.scores[c.ID] = sim.ScoreConversation(c, lr.scenario.Platform, sim.DefaultScoreWeights())
	}
	in := run.Interruptions[len(run.Interruptions)-1]
	return last + 1, in.Elapsed, nil
}

// interruptionNotes says where run was paused or interrupted, for its
// review: times in loc, the KPI calendar's zone, named by its IANA name,
// and the scenario time the run had played since its own start (a
// real-time run's day 1 before the time of day it started is not played).
func interruptionNotes(run store.Run, loc *time.Location) []string {
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04:05 ") + loc.String() }
	var out []string
	for _, in := range run.Interruptions {
		played := (in.Elapsed - run.ClockOffset).Round(time.Second)
		n := fmt.Sprintf("the run was interrupted at %s (its hub stopped without ending it, after %v of the run's scenario time)", at(in.At), played)
		if in.Paused() {
			n = fmt.Sprintf("the run was paused at %s (serve stopped before the end, after %v of the run's scenario time)", at(in.At), played)
		}
		switch {
		case !in.Resumed.IsZero():
			n += fmt.Sprintf(" and resumed at %s; the KPIs cover the whole run but the conversations the stop cut off (counted missed or left out, as its cut says)", at(in.Resumed))
		case in.Found.IsZero():
			n += "; no serve has started on the file since (the next marks it; serve --resume continues it)"
		default:
			n += fmt.Sprintf("; not resumed (deskdrill serve --resume %d continues it)", run.ID)
		}
		out = append(out, n)
	}
	return out
}
