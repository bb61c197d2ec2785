package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/web/store"
)

// A run's sources come back byte for byte, in role order; a body changed
// behind the store's back is refused as damaged.
func TestStore_Sources(t *testing.T) {
	ctx := t.Context()
	s, path := openStore(t, store.Options{})
	id := newRun(t, s)
	srcs := []store.Source{
		{Role: "profile", Name: "taobao", Origin: "builtin", Data: []byte("name: taobao\n")},
		{Role: "scenario", Name: "my/trial.yaml", Origin: "file", Data: []byte("name: trial\n# 中文\n")},
		{Role: "contract", Name: "inline", Origin: "inline", Data: []byte("name: t\n")},
	}
	if err := s.SaveSources(ctx, id, srcs); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sources(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, g := range got {
		roles = append(roles, g.Role)
		for _, w := range srcs {
			if w.Role == g.Role && (w.Name != g.Name || w.Origin != g.Origin || !bytes.Equal(w.Data, g.Data) || len(g.SHA256) != 64) {
				t.Errorf("%s: got %+v; want %+v with its digest", g.Role, g, w)
			}
		}
	}
	if strings.Join(roles, ",") != "scenario,contract,profile" {
		t.Errorf("roles %v; want scenario, contract, profile", roles)
	}
	if err := s.SaveSources(ctx, id, srcs[:1]); err == nil {
		t.Errorf("saving a run's sources twice: nil error; want one (they are written once)")
	}
	if _, err := rawDB(t, path).Exec(`UPDATE run_sources SET body = CAST('name: other' AS BLOB) WHERE role = 'contract'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sources(ctx, id); !errors.Is(err, store.ErrDamaged) {
		t.Errorf("a body that no longer matches its digest: %v; want ErrDamaged", err)
	}
	if got, err := s.Sources(ctx, id+1); err != nil || len(got) != 0 {
		t.Errorf("a run without sources: %v, %v; want none", got, err)
	}
}

// EndTrial ends the run and records its verdict together, once: a second
// decision is refused and changes nothing, and the database itself
// refuses to change or delete a verdict.
func TestStore_EndTrial(t *testing.T) {
	ctx := t.Context()
	s, path := openStore(t, store.Options{})
	id := newRun(t, s)
	at := t0.Add(14 * 24 * time.Hour)
	v := store.Verdict{Outcome: "refund", Refund: 5000_00, Status: json.RawMessage(`{"state":"final"}`)}
	if err := s.EndTrial(ctx, id, at, v); err != nil {
		t.Fatal(err)
	}
	run, err := s.Run(ctx, id)
	if err != nil || run.State != store.RunEnded || !run.Ended.Equal(at) {
		t.Errorf("run after EndTrial: %+v, %v; want ended at %v", run, err, at)
	}
	got, err := s.Verdict(ctx, id)
	if err != nil || got.Outcome != "refund" || got.Refund != 5000_00 || !got.Decided.Equal(at) || string(got.Status) != `{"state":"final"}` {
		t.Errorf("Verdict = %+v, %v; want the one recorded", got, err)
	}
	v2 := store.Verdict{Outcome: "pass", Status: json.RawMessage(`{}`)}
	if err := s.EndTrial(ctx, id, at.Add(time.Hour), v2); !errors.Is(err, store.ErrDecided) {
		t.Errorf("a second EndTrial: %v; want ErrDecided", err)
	}
	if got, _ := s.Verdict(ctx, id); got.Outcome != "refund" {
		t.Errorf("after a refused second decision the verdict is %q; want refund still", got.Outcome)
	}
	raw := rawDB(t, path)
	for _, q := range []string{`UPDATE trial_verdicts SET outcome = 'pass'`, `DELETE FROM trial_verdicts`} {
		if _, err := raw.Exec(q); err == nil || !strings.Contains(err.Error(), "final") {
			t.Errorf("%s: %v; want the database to refuse: a trial verdict is final", q, err)
		}
	}
	if _, err := s.Verdict(ctx, id+1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Verdict of a run without one: %v; want ErrNotFound", err)
	}
	ended := newRun(t, s)
	if err := s.EndRun(ctx, ended, at); err != nil {
		t.Fatal(err)
	}
	if err := s.EndTrial(ctx, ended, at, v); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EndTrial of a run that ended without a verdict: %v; want ErrNotFound", err)
	}
	if _, err := s.Verdict(ctx, ended); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused EndTrial recorded a verdict: %v", err)
	}
	if err := s.EndTrial(ctx, id, at, store.Verdict{Outcome: "pass", Status: json.RawMessage(`{`)}); err == nil {
		t.Errorf("EndTrial with a broken status: nil error")
	}
}

// PauseRun leaves a run interrupted, marked, with its scenario clock
// stopped, and ResumeRun continues it.
func TestStore_PauseRun(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := store.Open(ctx, path, store.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id, err := s.CreateRun(ctx, store.Run{Scenario: "trial-2w", Speed: 600, Started: t0})
	if err != nil {
		t.Fatal(err)
	}
	c := sampleConversation("c000001", t0.Add(time.Second))
	if err := s.StartConversation(ctx, id, c); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, s)
	stop := t0.Add(time.Minute)
	if err := s.PauseRun(ctx, id, stop, 10*time.Hour); err != nil {
		t.Fatal(err)
	}
	run, err := s.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	in := run.Interrupted()
	if run.State != store.RunInterrupted || in == nil || !in.At.Equal(stop) || in.Found.IsZero() || in.Elapsed != 10*time.Hour {
		t.Fatalf("paused run %+v; want interrupted at %v, marked, 10 h played", run, stop)
	}
	if got := run.Elapsed(stop.Add(time.Hour)); got != 10*time.Hour {
		t.Errorf("scenario time an hour after the pause: %v; want 10h (the clock stands)", got)
	}
	convs, err := s.Conversations(ctx, id)
	if err != nil || len(convs) != 1 || !convs[0].Interrupted() {
		t.Errorf("the open conversation after the pause: %v; want it closed as interrupted", err)
	}
	if run, err = s.ResumeRun(ctx, id, stop.Add(time.Hour)); err != nil || run.State != store.RunLive {
		t.Errorf("ResumeRun after PauseRun: %+v, %v; want live", run, err)
	}
	if err := s.EndRun(ctx, id, stop.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.PauseRun(ctx, id, stop, time.Hour); !errors.Is(err, store.ErrNotInterrupted) {
		t.Errorf("PauseRun of an ended run: %v; want ErrNotInterrupted", err)
	}
	if err := s.PauseRun(context.Background(), id+7, stop, time.Hour); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PauseRun of no run: %v; want ErrNotFound", err)
	}
}
