package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
	"github.com/deskdrill/deskdrill/sim/trial"
	"github.com/deskdrill/deskdrill/trainer"
	"github.com/deskdrill/deskdrill/web/store"
)

// IsTrial reports whether a run of sc is a vendor's trial: its contract
// has a trial clause and the scenario is no longer than the trial, so the
// run stands for the contract period "trial" (Period). A longer scenario
// under a trial contract is judged as a month.
func IsTrial(sc *sim.Scenario) bool { return Period(sc) == sim.TrialPeriod }

// DefaultWindDown bounds how long a trial at its end waits for the
// conversations under way (wall time: waits are never compressed).
const DefaultWindDown = 30 * time.Minute

// TrialReport is a trial run's status: the run, and the trial day by day
// (sim/trial), final once recorded.
type TrialReport struct {
	Run      store.Run     `json:"-"`
	RunJSON  runJSON       `json:"run"`
	Scenario string        `json:"scenario"`
	Seed     uint64        `json:"seed,string"`
	Status   *trial.Status `json:"trial"`
	// Recorded is true when Status is the final verdict read back from
	// the database, as decided at the trial's end.
	Recorded bool `json:"recorded"`
	// NotTrial says why a run is not a trial; Status is nil then.
	NotTrial string `json:"not_trial,omitempty"`
	// Warnings say where the records no longer agree with the verdict
	// recorded at the end (rows the disk never took, records changed
	// since): the recorded verdict stands, and every output shows them.
	Warnings []string `json:"warnings,omitempty"`
	// Review and Conversations are what Status was judged from, when it
	// was judged from the records (not Recorded).
	Review        *review.Review      `json:"-"`
	Conversations []*sim.Conversation `json:"-"`
}

// sourcesOf converts the scenario package's sources to the store's.
func sourcesOf(srcs []scenarios.Source) []store.Source {
	out := make([]store.Source, len(srcs))
	for i, s := range srcs {
		out[i] = store.Source{Role: s.Role, Name: s.Name, Origin: s.Origin, Data: s.Data}
	}
	return out
}

// RunScenario returns the scenario run id was played under: parsed from
// the sources recorded with it, or, for a run recorded without (before
// schema version 5), the built-in or file of its name. The sources are
// returned too (nil for the latter).
func RunScenario(ctx context.Context, st *store.Store, run store.Run) (*sim.Scenario, []scenarios.Source, error) {
	recorded, err := st.Sources(ctx, run.ID)
	if err != nil {
		return nil, nil, err
	}
	if _, sitting := SittingExam(run); len(recorded) == 0 && sitting {
		// A sitting is played under its exam, saved by version.
		sit, err := st.SittingOf(ctx, run.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("run %d: its sitting: %w", run.ID, err)
		}
		src, err := st.ExamOf(ctx, sit.ExamVersion)
		if err != nil {
			return nil, nil, fmt.Errorf("run %d: its exam %s: %w", run.ID, sit.Exam, err)
		}
		e, err := trainer.ParseExam("exam "+src.Name, src.Source)
		if err != nil {
			return nil, nil, fmt.Errorf("run %d: its exam %s: %w", run.ID, sit.Exam, err)
		}
		return examScenario(e, run.Started), nil, nil
	}
	if len(recorded) == 0 {
		sc, srcs, err := scenarios.LoadScenarioSources(run.Scenario)
		if err != nil {
			return nil, nil, fmt.Errorf("run %d: its scenario %s: %w", run.ID, run.Scenario, err)
		}
		return OnRunCalendar(sc, run), srcs, nil
	}
	srcs := make([]scenarios.Source, len(recorded))
	for i, s := range recorded {
		srcs[i] = scenarios.Source{Role: s.Role, Name: s.Name, Origin: s.Origin, Data: s.Data}
	}
	sc, err := scenarios.ParseScenarioSources(srcs)
	if err != nil {
		return nil, nil, fmt.Errorf("run %d: the scenario it was played under: %w", run.ID, err)
	}
	return OnRunCalendar(sc, run), srcs, nil
}

// OnRunCalendar returns sc on the calendar run played it on: moved by
// whole days to the run's clock start (a real-time run's, rebased to the
// day it started), or sc itself.
func OnRunCalendar(sc *sim.Scenario, run store.Run) *sim.Scenario {
	if run.ClockStart.IsZero() {
		return sc
	}
	return sc.ShiftDays(sim.DaysBetween(sc.StartTime(), run.ClockStart, sc.StartTime().Location()))
}

// trialState says where trial run stands at now, without a recorded
// verdict.
func trialState(sc *sim.Scenario, run store.Run, now time.Time) trial.State {
	switch run.State {
	case store.RunInterrupted:
		return trial.StatePaused
	case store.RunEnded:
		return trial.StateStopped
	}
	if run.Elapsed(now) >= sc.Duration {
		return trial.StateClosing
	}
	return trial.StateRunning
}

// judgeTrial evaluates the trial of run of sc (on the run's calendar)
// from its review rv at played scenario time; open holds the arrival
// times, on the scenario's clock, of the conversations still open. The
// trial begins when the run did: a real-time run's first day begins at
// the time of day it started (run.ClockOffset).
func judgeTrial(sc *sim.Scenario, run store.Run, rv *review.Review, played time.Duration, state trial.State, open []time.Time) (*trial.Status, error) {
	return trial.Evaluate(rv, trial.Options{Contract: sc.Contract.Contract, Profile: sc.Platform, Start: sc.StartTime().Add(run.ClockOffset), End: sc.EndTime(),
		Played: played - run.ClockOffset, PaidOrdersPerDay: sc.Store.PaidOrdersPerDay, State: state, Open: open})
}

// ended reports whether recorded conversation c has ended: the hub
// records a close (or the buyer's leave) when it does.
func ended(c *sim.Conversation) bool {
	return slices.ContainsFunc(c.Events, func(e sim.Event) bool { return e.Kind == sim.EventClose || e.Kind == sim.EventLeave })
}

// Trial returns the status of trial run id: its recorded final verdict,
// or the trial so far at now (provisional). For a run that is not a trial
// the report has no Status and says why in NotTrial.
func Trial(ctx context.Context, st *store.Store, id int64, now time.Time) (*TrialReport, error) {
	run, err := st.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	sc, _, err := RunScenario(ctx, st, run)
	if err != nil {
		return nil, err
	}
	rep := &TrialReport{Run: run, RunJSON: toRunJSON(run, false), Scenario: run.Scenario, Seed: run.Seed}
	if !IsTrial(sc) {
		rep.NotTrial = notTrialWhy(sc)
		return rep, nil
	}
	s, err := RecordedVerdict(ctx, st, id)
	switch {
	case err == nil:
		rep.Status, rep.Recorded = s, true
		// Judged again from the records, to check them against the verdict
		// recorded at the end.
		checked, rv, convs, err := TrialFromRecords(ctx, st, run, sc, now, true)
		if err != nil {
			return nil, err
		}
		rep.Review, rep.Conversations = rv, convs
		rep.Warnings = checkRecorded(s, checked)
		return rep, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	rep.Status, rep.Review, rep.Conversations, err = TrialFromRecords(ctx, st, run, sc, now, false)
	return rep, err
}

// RecordedVerdict returns the final verdict recorded for trial run id, as
// recorded, without judging the records again (Trial does that too); an
// error wrapping store.ErrNotFound when none is recorded.
func RecordedVerdict(ctx context.Context, st *store.Store, id int64) (*trial.Status, error) {
	v, err := st.Verdict(ctx, id)
	if err != nil {
		return nil, err
	}
	var s trial.Status
	if err := json.Unmarshal(v.Status, &s); err != nil {
		return nil, fmt.Errorf("run %d: its recorded verdict: %w", id, err)
	}
	return &s, nil
}

// TrialFromRecords judges trial run of sc from its recorded
// conversations at now, and returns the review it judged from and the
// conversations. With final, it judges the whole trial as at its end (to
// check a recorded verdict against the records); else as the run stands.
// Each conversation keeps the score the hub recorded when it ended, as
// the live run judged it.
func TrialFromRecords(ctx context.Context, st *store.Store, run store.Run, sc *sim.Scenario, now time.Time, final bool) (*trial.Status, *review.Review, []*sim.Conversation, error) {
	convs, err := st.Conversations(ctx, run.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	scores, err := storedScores(ctx, st, run.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	o := ReviewOptions(sc, run, now)
	o.Scored = func(c *sim.Conversation) (sim.Score, bool) {
		s, ok := scores[c.ID]
		return s, ok
	}
	// A conversation still under way is not judged half-way (the live
	// run judges only the finished ones): it counts when it ends.
	var done []*sim.Conversation
	var open []time.Time
	for _, c := range convs {
		if ended(c) || final {
			done = append(done, c)
		} else {
			open = append(open, o.Clock(c.Arrived))
		}
	}
	rv, err := review.Evaluate(done, o)
	if err != nil {
		return nil, nil, nil, err
	}
	played, state := run.Elapsed(now), trialState(sc, run, now)
	if final {
		played, state = sc.Duration, trial.StateFinal
	}
	status, err := judgeTrial(sc, run, rv, played, state, open)
	if err != nil {
		return nil, nil, nil, err
	}
	status.Notes = append(status.Notes, interruptionNotes(run, sc.Platform.Zone())...)
	return status, rv, convs, nil
}

// checkRecorded compares the verdict recorded at the end with the trial
// judged again from the records, and says where they disagree.
func checkRecorded(rec, now *trial.Status) []string {
	var out []string
	for _, n := range rec.Notes {
		if strings.HasPrefix(n, unwrittenPrefix) {
			out = append(out, n)
		}
	}
	total := func(s *trial.Status) string {
		if s.Statement == nil {
			return "nothing"
		}
		return s.Statement.Total.String()
	}
	if total(rec) != total(now) {
		out = append(out, fmt.Sprintf("judged again from the records the trial's refund is %s, not the %s recorded with its final verdict: the records lack some of what the hub saw (see the run's store statistics) or were changed since; the recorded verdict stands",
			total(now), total(rec)))
	}
	if rec.Counts != now.Counts {
		out = append(out, fmt.Sprintf("the records no longer give the counts recorded with the final verdict (%d sessions, %d ratings, %d rounds recorded; %d, %d, %d now): rows are missing or were changed since; the recorded verdict stands",
			rec.Counts.Sessions, rec.Counts.Ratings, rec.Counts.Rounds, now.Counts.Sessions, now.Counts.Ratings, now.Counts.Rounds))
	}
	return out
}

// storedScores reads the scores the hub recorded for run id, by
// conversation; one that does not decode is left out (and scored again).
func storedScores(ctx context.Context, st *store.Store, id int64) (map[string]sim.Score, error) {
	rows, err := st.Scores(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make(map[string]sim.Score, len(rows))
	for _, r := range rows {
		var sc sim.Score
		if json.Unmarshal(r.JSON, &sc) == nil {
			out[r.ConvID] = sc
		}
	}
	return out, nil
}

// notTrialWhy says why a scenario's runs are not trials.
func notTrialWhy(sc *sim.Scenario) string {
	c := sc.Contract.Contract
	switch {
	case c == nil:
		return "its scenario has no contract"
	case c.Trial == nil:
		return fmt.Sprintf("its contract %s has no trial clause", c.Name)
	}
	return fmt.Sprintf("its scenario lasts %s, longer than the contract's %d-week trial, so it is judged as a month", scenarios.FormatDuration(sc.Duration), c.Trial.Weeks)
}

// liveTrial is the live run's trial so far, from its review rv, or nil
// for a run that is not a trial.
func (lr *liveRun) liveTrial(rv *review.Review, now time.Time) (*trial.Status, error) {
	if !IsTrial(lr.scenario) {
		return nil, nil
	}
	played := lr.run.Elapsed(now)
	state := trial.StateRunning
	if played >= lr.scenario.Duration {
		state = trial.StateClosing
	}
	clock := ReviewOptions(lr.scenario, lr.run, now).Clock
	var open []time.Time
	for _, at := range lr.hub.Open() {
		open = append(open, clock(at))
	}
	return judgeTrial(lr.scenario, lr.run, rv, played, state, open)
}

// watchTrialEnd ends a trial run when the scenario's time is over and the
// conversations under way have ended (swarmDone, when the customers are
// internal, closes when theirs have), or after the wind-down at most,
// until ctx ends. It hands the stop to the server: Stop waits for this
// goroutine, so it cannot stop the run itself.
func (lr *liveRun) watchTrialEnd(ctx context.Context, swarmDone <-chan struct{}) {
	now := lr.s.cfg.Now
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		left := lr.scenario.Duration - lr.run.Elapsed(now())
		if left <= 0 {
			break
		}
		timer.Reset(time.Duration(float64(left)/lr.speed) + time.Millisecond)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
	lr.s.log.Info("trial's time is over; waiting for the conversations under way", "run", lr.run.ID, "at most", lr.s.cfg.WindDown)
	timer.Reset(lr.s.cfg.WindDown)
	if swarmDone != nil {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			lr.s.endTrial(lr)
			return
		case <-swarmDone:
		}
	}
	// External customers (or stragglers of people): the hub empties.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if snap := lr.hub.Snapshot(); snap.Waiting == 0 && snap.Chatting == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			lr.s.endTrial(lr)
			return
		case <-tick.C:
		}
	}
	lr.s.endTrial(lr)
}

// endTrial stops lr, if it is still the live run, on a goroutine of the
// server's, and reports its id on Ended.
func (s *Server) endTrial(lr *liveRun) {
	s.bg.Go(func() {
		s.mu.Lock()
		mine := s.cur == lr
		if mine {
			s.cur = nil
		}
		s.mu.Unlock()
		if !mine {
			return // stopped meanwhile
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.stopLive(ctx, lr); err != nil {
			s.log.Error("end trial", "run", lr.run.ID, "err", err)
		}
		select {
		case s.ended <- lr.run.ID:
		default:
		}
	})
}

// Ended returns a channel that receives the id of a live run that ended
// by itself: a trial that reached its end and recorded its verdict (or
// failed to; the log says why). serve exits on it.
func (s *Server) Ended() <-chan int64 { return s.ended }

// finishTrial records the end of trial run lr, whose hub has stopped:
// the final verdict when the scenario's time is over, else a pause that
// serve --resume continues. mu need not be held; lr is no longer live.
func (s *Server) finishTrial(ctx context.Context, lr *liveRun, now time.Time) error {
	if err := s.store.Flush(ctx); err != nil {
		return err
	}
	played := lr.run.Elapsed(now)
	if played < lr.scenario.Duration {
		if err := s.store.PauseRun(ctx, lr.run.ID, now, played); err != nil {
			return err
		}
		s.log.Info("trial paused before its end", "run", lr.run.ID, "played", (played - lr.run.ClockOffset).Round(time.Second), "at_scenario_time", played.Round(time.Second))
		return nil
	}
	rv, err := lr.review(0)
	if err != nil {
		return fmt.Errorf("end trial %d: %w", lr.run.ID, err)
	}
	status, err := judgeTrial(lr.scenario, lr.run, rv, lr.scenario.Duration, trial.StateFinal, nil)
	if err != nil {
		return fmt.Errorf("end trial %d: %w", lr.run.ID, err)
	}
	if note := unwrittenNote(s.store.Stats()); note != "" {
		status.Notes = append(status.Notes, note)
	}
	b, err := json.Marshal(status)
	if err != nil {
		return fmt.Errorf("end trial %d: %w", lr.run.ID, err)
	}
	if err := s.store.EndTrial(ctx, lr.run.ID, now, store.Verdict{Outcome: string(status.Verdict.Outcome), Refund: status.Verdict.Refund, Status: b}); err != nil {
		return err
	}
	lr.run.Ended = now
	s.log.Info("trial ended", "run", lr.run.ID, "verdict", status.Verdict.Outcome, "refund", status.Verdict.Refund.String())
	return nil
}

// unwrittenPrefix starts the note a final verdict carries when the store
// did not write some of the run's rows: every reader shows it as a
// warning (checkRecorded).
const unwrittenPrefix = "incomplete records:"

// unwrittenNote says how many rows this process's store did not write
// (dropped with its queue full, refused, lost to failed commits), or ""
// when it wrote them all. The verdict is judged from the rows written, so
// it says so rather than seal a verdict that looks complete.
func unwrittenNote(st store.Stats) string {
	n := st.Dropped + st.Rejected + st.Lost
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%s %d rows of this run's server were not written (%d dropped with the write queue full, %d refused by the database, %d lost to failed commits): the verdict was judged from the rows written and may be wrong",
		unwrittenPrefix, n, st.Dropped, st.Rejected, st.Lost)
}

// A sitting's run names its exam as its scenario, "exam:NAME".
const sittingPrefix = "exam:"

func sittingScenario(exam string) string { return sittingPrefix + exam }

// SittingExam reports whether run is an exam sitting's, and its exam's
// name.
func SittingExam(run store.Run) (exam string, ok bool) {
	return strings.CutPrefix(run.Scenario, sittingPrefix)
}

// examScenario is the scenario a sitting of e plays under, from start: the
// exam's platform profile and concurrency, one agent (the candidate).
func examScenario(e *trainer.Exam, start time.Time) *sim.Scenario {
	sc := sim.NewScenario()
	local := start.In(e.Profile.Zone())
	sc.Name, sc.Platform = sittingScenario(e.Name), e.Profile
	sc.Start = sim.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute())
	sc.Location = e.Profile.Zone()
	sc.Staffing = &sim.Staffing{Concurrency: e.Concurrency, Intervals: []sim.StaffInterval{{Start: 0, End: sim.MinutesPerDay, Agents: 1}}}
	return sc
}
