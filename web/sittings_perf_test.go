package web_test

import (
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/trainer"
	"github.com/deskdrill/deskdrill/web"
)

// TestTryExams_Concurrent measures many candidates sitting pre-hire-basic at
// once on one hub (docs/performance.md, "Concurrent sittings"): first one
// sitting alone, then DESKDRILL_SITTINGS of them together, each a bot of
// skill 1 at DESKDRILL_SITTINGS_SPEED× (default 60), in the same process a
// minute apart. It logs wall time, CPU per sitting, peak RSS and
// goroutines, and how many passed; every sitting must end with a card of
// every item. Too heavy for CI under -race: it runs only when asked.
//
//	DESKDRILL_SITTINGS=50 go test -run TestTryExams_Concurrent -v -timeout 20m ./web
func TestTryExams_Concurrent(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DESKDRILL_SITTINGS"))
	if n <= 0 {
		t.Skip("set DESKDRILL_SITTINGS=50 to measure 50 concurrent sittings")
	}
	speed := 60.0
	if v, err := strconv.ParseFloat(os.Getenv("DESKDRILL_SITTINGS_SPEED"), 64); err == nil && v > 0 {
		speed = v
	}
	src, err := trainer.ExamSource("pre-hire-basic")
	if err != nil {
		t.Fatal(err)
	}
	e, err := trainer.ParseExam("pre-hire-basic", src)
	if err != nil {
		t.Fatal(err)
	}
	measure := func(k int) {
		st := openTryStore(t)
		var peakG atomic.Int64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				if g := int64(runtime.NumGoroutine()); g > peakG.Load() {
					peakG.Store(g)
				}
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		}()
		cpu0 := cpuTime(t)
		wall0 := time.Now()
		cards, err := web.TryExams(t.Context(), web.TryConfig{Exam: e, Source: src, Store: st, BotSkill: 1, Seed: 7,
			Speed: speed, Sittings: k})
		wall := time.Since(wall0)
		cpu := cpuTime(t) - cpu0
		close(stop)
		<-sampled
		if err != nil {
			t.Fatal(err)
		}
		passed := 0
		for i, c := range cards {
			if len(c.Items) != len(e.Items) {
				t.Errorf("sitting %d: a card of %d items; want %d", i, len(c.Items), len(e.Items))
			}
			if c.Passed {
				passed++
			}
		}
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		t.Logf("%d sitting(s) at %v×: wall %v, CPU %v (%v per sitting), %d passed, peak goroutines %d, peak RSS of the process so far %d MiB",
			k, speed, wall.Round(10*time.Millisecond), cpu.Round(10*time.Millisecond), (cpu / time.Duration(k)).Round(time.Millisecond),
			passed, peakG.Load(), ru.Maxrss/1024)
	}
	measure(1)
	measure(n)
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
