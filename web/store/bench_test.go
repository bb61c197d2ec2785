package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
)

// benchTexts are message texts of 20–120 bytes from a fixed seed.
func benchTexts() []string {
	r := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyz      "
	out := make([]string, 256)
	for i := range out {
		b := make([]byte, 20+r.IntN(100))
		for j := range b {
			b[j] = letters[r.IntN(len(letters))]
		}
		out[i] = string(b)
	}
	return out
}

// BenchmarkAppendEvent measures events per second through the batch writer
// into a real file, from the first AppendEvent until Flush has made the
// last one durable (synchronous=FULL, one fsync per batch), and the
// process's CPU time per event (producer and writer: cpu-ns/event).
// conversations=5000 writes as the hub does under a load drill: each event
// to another of thousands of conversations.
func BenchmarkAppendEvent(b *testing.B) {
	for _, conversations := range []int{1, 100, 5000} {
		b.Run(fmt.Sprintf("conversations=%d", conversations), func(b *testing.B) {
			ctx := context.Background()
			s, _ := openStore(b, store.Options{})
			run := newRun(b, s)
			for i := range conversations {
				c := sampleConversation(fmt.Sprintf("c%d", i), t0)
				c.Events = nil
				if err := s.StartConversation(ctx, run, c); err != nil {
					b.Fatal(err)
				}
			}
			mustFlush(b, s)
			texts := benchTexts()
			ids := make([]string, conversations)
			for i := range ids {
				ids[i] = fmt.Sprintf("c%d", i)
			}
			start, cpu0 := time.Now(), processCPU()
			n := 0
			for b.Loop() {
				e := sim.Event{At: t0.Add(time.Duration(n)), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: texts[n%len(texts)]}
				if err := s.AppendEvent(ctx, run, ids[n%conversations], n/conversations, e); err != nil {
					b.Fatal(err)
				}
				n++
			}
			mustFlush(b, s)
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
			b.ReportMetric(float64(processCPU()-cpu0)/float64(n), "cpu-ns/event")
		})
	}
	b.Run("producers=parallel", func(b *testing.B) {
		ctx := context.Background()
		s, _ := openStore(b, store.Options{})
		run := newRun(b, s)
		texts := benchTexts()
		var next, total atomic.Int64
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			id := fmt.Sprintf("p%d", next.Add(1))
			c := sampleConversation(id, t0)
			c.Events = nil
			if err := s.StartConversation(ctx, run, c); err != nil {
				b.Error(err)
				return
			}
			seq := 0
			for pb.Next() {
				e := sim.Event{At: t0, Sender: sim.SenderAgent, Kind: sim.EventMessage, Text: texts[seq%len(texts)]}
				if err := s.AppendEvent(ctx, run, id, seq, e); err != nil {
					b.Error(err)
					return
				}
				seq++
			}
			total.Add(int64(seq))
		})
		mustFlush(b, s)
		b.ReportMetric(float64(total.Load())/time.Since(start).Seconds(), "events/s")
	})
}

// BenchmarkConversations reads a whole run back, as reports do: 5,000
// conversations of 10 events each, written interleaved as the hub writes
// them under load.
func BenchmarkConversations(b *testing.B) {
	ctx := context.Background()
	s, _ := openStore(b, store.Options{})
	run := newRun(b, s)
	const conversations, events = 5000, 10
	for i := range conversations {
		c := sampleConversation(fmt.Sprintf("c%d", i), t0)
		c.Events = nil
		if err := s.StartConversation(ctx, run, c); err != nil {
			b.Fatal(err)
		}
	}
	texts := benchTexts()
	for n := range conversations * events {
		e := sim.Event{At: t0.Add(time.Duration(n)), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: texts[n%len(texts)]}
		if err := s.AppendEvent(ctx, run, fmt.Sprintf("c%d", n%conversations), n/conversations, e); err != nil {
			b.Fatal(err)
		}
	}
	mustFlush(b, s)
	for b.Loop() {
		cs, err := s.Conversations(ctx, run)
		if err != nil || len(cs) != conversations || len(cs[0].Events) != events {
			b.Fatalf("%d conversations, %v", len(cs), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*conversations*events), "ns/event")
}
