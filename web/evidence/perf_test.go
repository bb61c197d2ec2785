package evidence_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/evidence"
	"github.com/deskdrill/deskdrill/web/store"
)

// TestPerf_FullTrial measures trial status and the evidence pack on a
// trial-2w the size of the real one (26,101 conversations over its 14
// days, 7 events each, with their scores), against deskdrill report of
// the same run as the baseline. It writes a database of about 30 MB and
// takes about a minute; docs/performance.md has its figures:
//
//	DESKDRILL_TRIAL_PERF=1 go test ./web/evidence -run TestPerf_FullTrial -v
func TestPerf_FullTrial(t *testing.T) {
	if os.Getenv("DESKDRILL_TRIAL_PERF") == "" {
		t.Skip("a measurement: DESKDRILL_TRIAL_PERF=1 go test ./web/evidence -run TestPerf_FullTrial -v")
	}
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "full.db")
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sc, srcs, err := scenarios.LoadScenarioSources("trial-2w")
	if err != nil {
		t.Fatal(err)
	}
	// A run at speed 1 that started 14 days and an hour ago: every day is
	// finished, and it stands paused (no verdict), so status judges it.
	started := time.Now().Add(-(sc.Duration + time.Hour)).Truncate(time.Second)
	id, err := st.CreateRun(ctx, store.Run{Scenario: sc.Name, Speed: 1, Contract: "seed-trial", Started: started})
	if err != nil {
		t.Fatal(err)
	}
	var ws []store.Source
	for _, s := range srcs {
		ws = append(ws, store.Source{Role: s.Role, Name: s.Name, Origin: s.Origin, Data: s.Data})
	}
	if err := st.SaveSources(ctx, id, ws); err != nil {
		t.Fatal(err)
	}
	const n = 26101
	rng := rand.New(rand.NewPCG(26101, 1))
	begin := time.Now()
	for i := range n {
		at := started.Add(time.Duration(rng.Int64N(int64(sc.Duration))))
		c := chatAt(fmt.Sprintf("c%06d", i+1), at, 5+rng.Float64()*200, 1+rng.IntN(5), rng.IntN(400) == 0, fmt.Sprintf("agent-%02d", rng.IntN(12)))
		if err := st.StartConversation(ctx, id, c); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(sim.ScoreConversation(c, sc.Platform, sim.DefaultScoreWeights()))
		if err := st.SaveScore(ctx, id, c.ID, "", b, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.PauseRun(ctx, id, started.Add(sc.Duration+time.Minute), sc.Duration+time.Minute); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(db)
	t.Logf("wrote %d conversations in %v; file %.0f MB", n, time.Since(begin).Round(time.Millisecond), float64(fi.Size())/1e6)

	measure := func(name string, f func() error) time.Duration {
		var best time.Duration
		for range 3 {
			t0 := time.Now()
			if err := f(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if d := time.Since(t0); best == 0 || d < best {
				best = d
			}
		}
		t.Logf("%-28s best of 3: %v", name, best.Round(time.Millisecond))
		return best
	}
	report := measure("report (baseline)", func() error { _, _, err := web.ReviewRun(ctx, st, id, nil); return err })
	status := measure("trial status", func() error { _, err := web.Trial(ctx, st, id, time.Now()); return err })
	pack := measure("evidence pack (build + zip)", func() error {
		p, err := evidence.Build(ctx, st, id, time.Now())
		if err != nil {
			return err
		}
		return p.WriteZip(io.Discard)
	})
	t.Logf("ratios to report: trial status %.2f×, evidence pack %.2f×", float64(status)/float64(report), float64(pack)/float64(report))
}

// chatAt is a refund chat of agent arriving at t, answered after reply
// seconds, rated, perhaps disputed: seven events.
func chatAt(id string, t time.Time, reply float64, rating int, dispute bool, agent string) *sim.Conversation {
	c := &sim.Conversation{ID: id, Case: sim.CaseRefundUnshipped, Persona: "calm", Arrived: t,
		Order: sim.Order{ID: "o" + id, Product: "大衣", Price: 39900, Paid: t.Add(-time.Hour)}}
	at := func(s float64) time.Time { return t.Add(time.Duration(s * float64(time.Second))) }
	c.Events = []sim.Event{
		{At: at(0), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "还没发货，我要退款"},
		{At: at(1), Sender: sim.SenderSystem, Kind: sim.EventAssign, Agent: agent},
		{At: at(reply), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: agent, Text: "抱歉让您久等，马上为您退款，24小时内到账"},
		{At: at(reply + 5), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: agent, Action: &sim.Action{Kind: sim.ActRefund, Amount: 39900}},
		{At: at(reply + 6), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: agent, Action: &sim.Action{Kind: sim.ActClose}},
		{At: at(reply + 7), Sender: sim.SenderCustomer, Kind: sim.EventRating, Rating: rating},
	}
	if dispute {
		c.Events = append(c.Events, sim.Event{At: at(reply + 8), Sender: sim.SenderCustomer, Kind: sim.EventDispute})
	}
	c.Events = append(c.Events, sim.Event{At: at(reply + 9), Sender: sim.SenderCustomer, Kind: sim.EventLeave})
	return c
}
