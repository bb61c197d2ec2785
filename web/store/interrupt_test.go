package store_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
)

// A run whose hub stopped without ending it reads as interrupted at its
// last event; the next Exclusive store marks it so and closes its open
// conversations; ResumeRun continues it, and the scenario clock
// (Elapsed) skips the time it stood still.
func TestStore_InterruptedRun(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "i.db")
	open := func(o store.Options) *store.Store {
		t.Helper()
		s, err := store.Open(ctx, path, o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// The first hub: a run at 60×, three conversations, one closed; it
	// stops without EndRun (its process died).
	s := open(store.Options{Exclusive: true})
	id, err := s.CreateRun(ctx, store.Run{Scenario: "steady-day", Speed: 60, Started: t0})
	if err != nil {
		t.Fatal(err)
	}
	last := t0.Add(90 * time.Second)
	for i, id2 := range []string{"c000001", "c000002", "c000003"} {
		c := sampleConversation(id2, t0.Add(time.Duration(i)*time.Second))
		if err := s.StartConversation(ctx, id, c); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.AppendEvent(ctx, id, "c000002", 1, sim.Event{At: t0.Add(time.Minute), Sender: sim.SenderSystem, Kind: sim.EventClose}))
	must(s.AppendEvent(ctx, id, "c000003", 1, sim.Event{At: last, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "在吗"}))
	must(s.Close())

	// A reader before any serve: interrupted at the last event, unmarked.
	r := open(store.Options{})
	run, err := r.Run(ctx, id)
	must(err)
	in := run.Interrupted()
	if run.State != store.RunInterrupted || in == nil || !in.At.Equal(last) || !in.Found.IsZero() || in.Elapsed != 90*time.Minute {
		t.Errorf("a reader's view of the dead run: %+v; want interrupted at %v (90 s × 60 = 90 min of scenario), not yet found", run, last)
	}
	if _, err := r.MarkInterrupted(ctx, time.Now()); err == nil {
		t.Error("MarkInterrupted on a store that is not Exclusive = nil; want an error")
	}
	must(r.Close())

	// The next serve marks it.
	found := t0.Add(time.Hour)
	s = open(store.Options{Exclusive: true})
	marked, err := s.MarkInterrupted(ctx, found)
	must(err)
	if len(marked) != 1 || marked[0].ID != id || !marked[0].Interruptions[0].Found.Equal(found) {
		t.Fatalf("MarkInterrupted = %+v; want run %d found at %v", marked, id, found)
	}
	if again, err := s.MarkInterrupted(ctx, found); err != nil || len(again) != 0 {
		t.Errorf("a second MarkInterrupted = %+v, %v; want nothing marked", again, err)
	}
	convs, err := s.Conversations(ctx, id)
	must(err)
	var kinds [][]string
	for _, c := range convs {
		var k []string
		for _, e := range c.Events {
			k = append(k, string(e.Kind)+":"+e.Text)
		}
		kinds = append(kinds, k)
		if want := c.ID != "c000002"; c.Interrupted() != want || c.CutOff() != want {
			t.Errorf("%s: Interrupted %v, CutOff %v; want %v", c.ID, c.Interrupted(), c.CutOff(), want)
		}
	}
	if !slices.Equal(kinds[0][1:], []string{"leave:" + sim.LeaveInterrupted, "close:" + sim.LeaveInterrupted}) || len(kinds[1]) != 2 {
		t.Errorf("events after marking: %q; want the open ones left and closed, the closed one unchanged", kinds)
	}
	if c := convs[2]; !c.Events[len(c.Events)-1].At.Equal(last) {
		t.Errorf("closed at %v; want the interruption %v", c.Events[len(c.Events)-1].At, last)
	}
	n, err := s.LastConversation(ctx, id)
	if err != nil || n != 3 {
		t.Errorf("LastConversation = %d, %v; want 3", n, err)
	}

	// serve --resume.
	resumed := found.Add(time.Minute)
	run, err = s.ResumeRun(ctx, id, resumed)
	must(err)
	if run.State != store.RunLive || run.Interrupted() != nil || !run.Interruptions[0].Resumed.Equal(resumed) {
		t.Errorf("resumed run %+v; want live, its interruption resumed at %v", run, resumed)
	}
	if got, want := run.Elapsed(resumed.Add(10*time.Second)), 90*time.Minute+10*time.Minute; got != want {
		t.Errorf("Elapsed 10 s after resuming = %v; want %v (the scenario clock goes on from the interruption)", got, want)
	}
	if got := run.Elapsed(t0.Add(30 * time.Second)); got != 30*time.Minute {
		t.Errorf("Elapsed before the interruption = %v; want 30m", got)
	}
	if got := run.Elapsed(found); got != 90*time.Minute {
		t.Errorf("Elapsed while interrupted = %v; want 90m (the clock stood still)", got)
	}
	if _, err := s.ResumeRun(ctx, id, resumed); !errors.Is(err, store.ErrNotInterrupted) {
		t.Errorf("resuming a live run: %v; want ErrNotInterrupted", err)
	}
	if _, err := s.ResumeRun(ctx, 999, resumed); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("resuming no run: %v; want ErrNotFound", err)
	}
	must(s.Close())

	// It dies again after a while; the next serve marks a second
	// interruption, no earlier than the resumption.
	s = open(store.Options{Exclusive: true})
	defer s.Close()
	marked, err = s.MarkInterrupted(ctx, resumed.Add(time.Hour))
	must(err)
	if len(marked) != 1 || len(marked[0].Interruptions) != 2 || !marked[0].Interruptions[1].At.Equal(resumed) ||
		marked[0].Interruptions[1].Elapsed != 90*time.Minute {
		t.Errorf("second interruption: %+v; want one at the resumption with 90 min played", marked)
	}
	must(s.EndRun(ctx, id, resumed.Add(2*time.Hour)))
	if _, err := s.ResumeRun(ctx, id, resumed); !errors.Is(err, store.ErrNotInterrupted) {
		t.Errorf("resuming an ended run: %v; want ErrNotInterrupted", err)
	}
}

// A real-time run rebased to today starts with scenario time already
// played (ClockOffset, docs/live.md): a crash found later is at that
// offset plus the time it ran, as Elapsed says, so that a resumed run's
// customers go on from there and none is sent twice.
func TestMarkInterrupted_ClockOffset(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "o.db")
	s, err := store.Open(ctx, path, store.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	const offset = 9*time.Hour + 30*time.Minute
	id, err := s.CreateRun(ctx, store.Run{Scenario: "trial-2w", Speed: 1, Started: t0, ClockStart: t0.Add(-offset), ClockOffset: offset})
	if err != nil {
		t.Fatal(err)
	}
	last := t0.Add(20 * time.Minute)
	c := sampleConversation("c000001", t0.Add(time.Minute))
	if err := s.StartConversation(ctx, id, c); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvent(ctx, id, "c000001", 1, sim.Event{At: last, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "在吗"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(ctx, path, store.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	marked, err := s.MarkInterrupted(ctx, t0.Add(time.Hour))
	if err != nil || len(marked) != 1 {
		t.Fatalf("MarkInterrupted = %+v, %v; want the run marked", marked, err)
	}
	want := offset + 20*time.Minute
	run := marked[0]
	if got := run.Interruptions[0].Elapsed; got != want {
		t.Errorf("interrupted after %v of scenario time; want %v (the offset and 20 min run)", got, want)
	}
	if got := run.Elapsed(last); got != want {
		t.Errorf("Elapsed at the last event = %v; want %v", got, want)
	}
}
