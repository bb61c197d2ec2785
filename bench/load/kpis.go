package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// liveKPIs is the part of the hub's /api/live a run reads.
type liveKPIs struct {
	Review struct {
		Conversations int                `json:"conversations"`
		KPIs          map[string]float64 `json:"kpis"`
	} `json:"review"`
	Refund float64 `json:"refund_so_far"`
}

// fetchKPIs reads the hub's /api/live with the viewer token; with scored
// above 0 the hub first waits (up to 30 s) until that many conversations
// of its run are scored.
func (r *Runner) fetchKPIs(ctx context.Context, scored int) (liveKPIs, error) {
	base, err := url.Parse(strings.TrimRight(r.cfg.URL, "/"))
	if err != nil {
		return liveKPIs{}, err
	}
	u := httpBase(base) + "/api/live"
	if scored > 0 {
		u += "?scored=" + strconv.Itoa(scored)
	}
	ctx, cancel := context.WithTimeout(ctx, 40*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return liveKPIs{}, err
	}
	req.Header.Set("Authorization", "Bearer "+r.cfg.ViewerToken)
	// The hub may wait 30 s for the scores: longer than r.http allows.
	resp, err := (&http.Client{Timeout: 40 * time.Second}).Do(req)
	if err != nil {
		return liveKPIs{}, fmt.Errorf("read KPIs: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return liveKPIs{}, fmt.Errorf("read KPIs: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	var v liveKPIs
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&v); err != nil {
		return liveKPIs{}, fmt.Errorf("read KPIs: %w", err)
	}
	return v, nil
}

// countScored notes how many conversations the hub's run had scored
// before this run, so that readKPIs can wait for this run's too.
func (r *Runner) countScored(ctx context.Context) {
	if r.cfg.ViewerToken == "" {
		return
	}
	if v, err := r.fetchKPIs(ctx, 0); err == nil {
		r.scoredBefore = v.Review.Conversations
	} else {
		r.log.Warn("hub KPIs unavailable", "err", err)
	}
}

// readKPIs reads the contract's KPIs of the hub's run once this run's
// conversations have ended (its connections are closed) and been scored.
func (r *Runner) readKPIs(ctx context.Context, s *Summary) {
	if r.cfg.ViewerToken == "" || s.Mode == ModeIdle {
		return
	}
	ours := s.Customers
	if s.Mode == ModeScenario {
		ours = int(s.Arrived)
	}
	v, err := r.fetchKPIs(ctx, r.scoredBefore+ours)
	if err != nil {
		r.log.Warn("hub KPIs unavailable", "err", err)
		return
	}
	s.KPIs = &KPIs{At: time.Now(), Conversations: v.Review.Conversations, Values: v.Review.KPIs, Refund: v.Refund}
}
