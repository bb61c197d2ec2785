package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// BenchmarkWriter_Tx measures one batch's transaction of 1,024 events to
// 5,000 conversations, as the hub writes under a load drill, the fsync of
// each commit and the checkpoints beside it included: wall time and the
// process's CPU per event. Run it with -benchtime 50x: each op is one
// commit.
func BenchmarkWriter_Tx(b *testing.B) {
	{
		ctx := context.Background()
		s, err := Open(ctx, filepath.Join(b.TempDir(), "b.db"), Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		run, err := s.CreateRun(ctx, Run{Scenario: "bench", Speed: 1, Started: time.Unix(0, 0)})
		if err != nil {
			b.Fatal(err)
		}
		const convs = 5000
		for i := range convs {
			if err := s.StartConversation(ctx, run, &sim.Conversation{ID: fmt.Sprintf("c%06d", i)}); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		// The writer goroutine sleeps on its empty queue: the
		// benchmark drives the writer's transactions itself.
		w := s.w
		r := rand.New(rand.NewPCG(1, 2))
		seq := make([]int, convs)
		text := "您好，我的订单还没发货，麻烦帮我查一下物流 #12345@67890"
		events := 0
		var ru0 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		for b.Loop() {
			for range 1024 {
				c := r.IntN(convs)
				w.batch = append(w.batch, op{kind: opEvent, run: run, conv: fmt.Sprintf("c%06d", c), seq: seq[c],
					ev: sim.Event{At: time.Unix(0, int64(events)), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: text}})
				seq[c]++
				events++
			}
			if _, err := w.tx(ctx); err != nil {
				b.Fatal(err)
			}
			w.batch = w.batch[:0]
		}
		var ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		cpu := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
		b.ReportMetric(float64(b.Elapsed())/float64(events), "ns/event")
		b.ReportMetric(float64(cpu)/float64(events), "cpu-ns/event")
	}
}
