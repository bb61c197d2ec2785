package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/trainer"
	"github.com/deskdrill/deskdrill/web/store"
)

// The exam endpoints (docs/exams.md): a candidate starts and follows its
// sitting and reads its own report card once it ended; trainers read every
// card and the cohort, and review conversations; admins invite.

// LoadExam returns the exam of version as the server hosts it: from its
// saved file.
func (s *Server) LoadExam(ctx context.Context, version string) (*trainer.Exam, error) {
	src, err := s.store.ExamOf(ctx, version)
	if err != nil {
		return nil, err
	}
	return trainer.ParseExam("exam "+src.Name, src.Source)
}

// HostExam saves e's file (src) so sittings of it can be hosted, and
// returns its version.
func (s *Server) HostExam(ctx context.Context, e *trainer.Exam, src []byte) error {
	return s.store.SaveExam(ctx, store.Exam{Version: e.Version, Name: e.Name, Source: src})
}

// Invitation is an invited candidate with the token to sign in with.
type Invitation struct {
	Candidate string `json:"candidate"`
	Token     string `json:"token"`
	TokenID   int64  `json:"token_id"`
	Exam      string `json:"exam"`
	Cohort    string `json:"cohort"`
}

// Invite hosts e and makes a token for each candidate, invited to e in
// cohort.
func (s *Server) Invite(ctx context.Context, e *trainer.Exam, src []byte, cohort string, candidates []string) ([]Invitation, error) {
	if err := s.HostExam(ctx, e, src); err != nil {
		return nil, err
	}
	var out []Invitation
	for _, c := range candidates {
		plain, inv, err := s.store.Invite(ctx, e.Version, cohort, c)
		if err != nil {
			return out, err
		}
		out = append(out, Invitation{Candidate: c, Token: plain, TokenID: inv.TokenID, Exam: e.Name, Cohort: cohort})
	}
	return out, nil
}

// saveSitting records a sitting's end and card.
func (s *Server) saveSitting(ctx context.Context, st *sitting, card trainer.Card) error {
	b, err := json.Marshal(card)
	if err != nil {
		return err
	}
	return s.store.EndSitting(ctx, st.run, card.Ended, card.Passed, card.Score, b)
}

// WaitSitting waits until sitting run has ended or ctx ends, and returns
// its card.
func (s *Server) WaitSitting(ctx context.Context, run int64) (trainer.Card, error) {
	st := s.sittings.get(run)
	if st == nil {
		return s.Card(ctx, run)
	}
	select {
	case <-st.done:
	case <-ctx.Done():
		return trainer.Card{}, fmt.Errorf("wait for sitting %d: %w", run, ctx.Err())
	}
	return s.Card(ctx, run)
}

// Card returns the report card of a sitting that ended, with the reviews
// recorded since applied. It is an error wrapping ErrNoSitting when there
// is no such sitting or it has not ended.
func (s *Server) Card(ctx context.Context, run int64) (trainer.Card, error) {
	rec, err := s.store.SittingOf(ctx, run)
	if errors.Is(err, store.ErrNotFound) || err == nil && len(rec.Card) == 0 {
		return trainer.Card{}, fmt.Errorf("card of sitting %d: %w", run, ErrNoSitting)
	}
	if err != nil {
		return trainer.Card{}, err
	}
	var card trainer.Card
	if err := json.Unmarshal(rec.Card, &card); err != nil {
		return trainer.Card{}, fmt.Errorf("card of sitting %d: %w", run, err)
	}
	return card, nil
}

// regrade grades a sitting that ended again from its records, with its
// reviews, and saves the new card.
func (s *Server) regrade(ctx context.Context, run int64) (trainer.Card, error) {
	rec, err := s.store.SittingOf(ctx, run)
	if err != nil {
		return trainer.Card{}, err
	}
	old, err := s.Card(ctx, run)
	if err != nil {
		return trainer.Card{}, err
	}
	e, err := s.LoadExam(ctx, rec.ExamVersion)
	if err != nil {
		return trainer.Card{}, err
	}
	convs, err := s.store.Conversations(ctx, run)
	if err != nil {
		return trainer.Card{}, err
	}
	byID := map[string]*sim.Conversation{}
	for _, c := range convs {
		byID[c.ID] = c
	}
	sit := trainer.Sitting{Exam: e, Candidate: old.Candidate, Cohort: old.Cohort, Run: run, Seed: old.Seed,
		Started: old.Started, Ended: old.Ended, Conversations: map[string]*sim.Conversation{}}
	for _, it := range old.Items {
		if c := byID[it.Conversation]; it.Conversation != "" && c != nil {
			sit.Conversations[it.Item] = c
		}
	}
	rs, err := s.store.Reviews(ctx, run)
	if err != nil {
		return trainer.Card{}, err
	}
	for _, r := range rs {
		sit.Reviews = append(sit.Reviews, trainer.Review{Item: r.Item, Conversation: r.Conv, Correct: r.Correct, HardFail: r.HardFail,
			Score: r.Score, Reason: r.Reason, By: r.Reviewer, At: r.At})
	}
	card := trainer.Grade(sit)
	b, err := json.Marshal(card)
	if err != nil {
		return trainer.Card{}, err
	}
	if err := s.store.EndSitting(ctx, run, card.Ended, card.Passed, card.Score, b); err != nil {
		return trainer.Card{}, err
	}
	return card, nil
}

// Cohort returns the cohort report of cohort's sittings of exam (any exam
// when empty: then the most recent sitting's exam).
func (s *Server) Cohort(ctx context.Context, cohort, exam string) (trainer.CohortReport, *trainer.Exam, error) {
	recs, err := s.store.Sittings(ctx, cohort, exam)
	if err != nil {
		return trainer.CohortReport{}, nil, err
	}
	version := ""
	var cards []trainer.Card
	versions := map[string]bool{}
	interrupted := 0
	for _, r := range recs {
		if s.interrupted(r) {
			interrupted++
			continue
		}
		if len(r.Card) == 0 {
			continue // still going
		}
		var c trainer.Card
		if err := json.Unmarshal(r.Card, &c); err != nil {
			return trainer.CohortReport{}, nil, fmt.Errorf("card of sitting %d: %w", r.Run, err)
		}
		if exam == "" && c.Exam != recs[len(recs)-1].Exam {
			continue
		}
		cards = append(cards, c)
		version = r.ExamVersion
		versions[r.ExamVersion] = true
	}
	if version == "" {
		if len(recs) == 0 {
			// Invited, nobody sat yet: the exam they were invited to.
			name, err := s.store.CohortExam(ctx, cohort, exam)
			if err != nil {
				return trainer.CohortReport{}, nil, err
			}
			return trainer.CohortReport{Cohort: cohort, Exam: name, Candidates: []trainer.CandidateRow{},
				Notes: []string{"no sittings in this cohort yet"}}, nil, nil
		}
		version = recs[len(recs)-1].ExamVersion
	}
	e, err := s.LoadExam(ctx, version)
	if err != nil {
		return trainer.CohortReport{}, nil, err
	}
	rep := trainer.Cohort(e, cohort, cards)
	if interrupted > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d sitting(s) interrupted by a server stop: no card, not counted", interrupted))
	}
	if len(versions) > 1 {
		// The same exam's name over edited files: candidates met
		// different customers, and the item statistics mix them.
		rep.Notes = append(rep.Notes, fmt.Sprintf("the cards are of %d versions of exam %s (the file changed between invitations): candidates did not all meet the same customers; the item statistics are the latest version's items over all cards", len(versions), e.Name))
	}
	return rep, e, nil
}

// examSummary is what a candidate may know of its exam before and during
// the sitting: never the items' cases.
type examSummary struct {
	Name        string         `json:"name"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Locale      string         `json:"locale"`
	TimeLimit   float64        `json:"time_limit_s"`
	Concurrency int            `json:"concurrency"`
	Items       int            `json:"items"`
	Pass        []trainer.Gate `json:"pass"`
}

func summaryOf(e *trainer.Exam) examSummary {
	p := e.Pass
	gates := []trainer.Gate{{Name: "mean_score", Limit: *p.MeanScore, Unit: "points"}}
	if *p.NoHardFail {
		gates = append(gates, trainer.Gate{Name: "no_hard_fail", Limit: 0, Unit: "count"})
	}
	gates = append(gates, trainer.Gate{Name: "reply_rate_3min", Limit: *p.ReplyRate3Min, Unit: "share"},
		trainer.Gate{Name: "first_response_avg", Limit: p.FirstResponseAvg.Seconds(), Unit: "seconds"})
	if *p.MustEscalate {
		// Without the count: how many cases must be escalated is a hint
		// at the cases, which a candidate learns only from the own card.
		gates = append(gates, trainer.Gate{Name: "must_escalate", Unit: "count"})
	}
	return examSummary{Name: e.Name, Title: e.Title, Description: e.Description, Locale: e.Locale, TimeLimit: e.TimeLimit.Seconds(),
		Concurrency: e.Concurrency, Items: len(e.Items), Pass: gates}
}

// myExam is GET /api/exam: a candidate's invitation, its exam and its
// sittings.
func (s *Server) myExam(w http.ResponseWriter, r *http.Request) {
	id := who(r)
	inv, err := s.store.InvitationOf(r.Context(), id.Token)
	if errors.Is(err, store.ErrNotFound) {
		fail(w, http.StatusNotFound, "this token has no exam invitation")
		return
	} else if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	e, err := s.LoadExam(r.Context(), inv.ExamVersion)
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	recs, err := s.store.Sittings(r.Context(), inv.Cohort, e.Name)
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	type mine struct {
		ID          int64     `json:"id"`
		Started     time.Time `json:"started"`
		Ended       time.Time `json:"ended,omitzero"`
		Interrupted bool      `json:"interrupted,omitempty"`
		Passed      *bool     `json:"passed,omitempty"`
		Score       *float64  `json:"score,omitempty"`
	}
	sittings := []mine{}
	for _, rec := range recs {
		if rec.TokenID != id.Token {
			continue
		}
		m := mine{ID: rec.Run, Started: rec.Started, Ended: rec.Ended, Interrupted: s.interrupted(rec)}
		if !rec.Ended.IsZero() && !m.Interrupted {
			m.Passed, m.Score = &rec.Passed, &rec.Score
		}
		sittings = append(sittings, m)
	}
	// The trainer's description is for trainers: it names the exam's
	// cases, in the order the customers come (pre-hire-basic's does).
	sum := summaryOf(e)
	sum.Description = ""
	writeJSON(w, http.StatusOK, map[string]any{"candidate": inv.Candidate, "cohort": inv.Cohort, "exam": sum,
		"sittings": sittings, "live": s.current() != nil})
}

// startSitting is POST /api/sittings: the candidate starts its sitting.
func (s *Server) startSitting(w http.ResponseWriter, r *http.Request) {
	id := who(r)
	inv, err := s.store.InvitationOf(r.Context(), id.Token)
	if errors.Is(err, store.ErrNotFound) {
		fail(w, http.StatusForbidden, "this token has no exam invitation: an admin invites candidates (deskdrill exam invite)")
		return
	} else if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	e, err := s.LoadExam(r.Context(), inv.ExamVersion)
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	info, err := s.StartSitting(r.Context(), SittingConfig{Exam: e, Candidate: inv.Candidate, Cohort: inv.Cohort, Token: id.Token, Speed: 1})
	switch {
	case errors.Is(err, ErrSitting):
		fail(w, http.StatusConflict, "%v", err)
		return
	case errors.Is(err, ErrNoRun):
		fail(w, http.StatusServiceUnavailable, "no live run to sit the exam on: an admin starts one")
		return
	case err != nil:
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusCreated, info)
}

// sittingID reads the {sitting} of the path and checks the caller may see
// it: trainers any, a candidate its own.
func (s *Server) sittingID(w http.ResponseWriter, r *http.Request) (store.Sitting, bool) {
	run, err := strconv.ParseInt(r.PathValue("sitting"), 10, 64)
	if err != nil || run < 1 {
		fail(w, http.StatusBadRequest, "sitting %q: want a sitting id", r.PathValue("sitting"))
		return store.Sitting{}, false
	}
	rec, err := s.store.SittingOf(r.Context(), run)
	id := who(r)
	if errors.Is(err, store.ErrNotFound) || err == nil && id.Role == store.RoleAgent && rec.TokenID != id.Token {
		fail(w, http.StatusNotFound, "no sitting %d", run)
		return store.Sitting{}, false
	}
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return store.Sitting{}, false
	}
	return rec, true
}

// interrupted reports whether rec ended without a card: stopped with its
// server, or left open by a server that died (not going here).
func (s *Server) interrupted(rec store.Sitting) bool {
	return rec.Interrupted() || rec.Ended.IsZero() && s.sittings.get(rec.Run) == nil
}

// sittingStatus is GET /api/sittings/{sitting}. A sitting that is over
// counts its customers from the records: the hub may have started a
// conversation whose customer the stop cut before it heard so.
func (s *Server) sittingStatus(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.sittingID(w, r)
	if !ok {
		return
	}
	if st := s.sittings.get(rec.Run); st != nil {
		info := st.info()
		if !info.Running {
			s.countRecorded(r.Context(), &info)
		}
		writeJSON(w, http.StatusOK, info)
		return
	}
	// Not going here (ended, or its server stopped): what the records
	// say, the exam's size and time limit from its saved file.
	info := SittingInfo{ID: rec.Run, Exam: rec.Exam, Candidate: rec.Candidate, Cohort: rec.Cohort,
		Started: rec.Started, Ended: rec.Ended, Running: false, Interrupted: s.interrupted(rec)}
	if e, err := s.LoadExam(r.Context(), rec.ExamVersion); err == nil {
		info.Title, info.Items, info.TimeLimit, info.Ends = e.Title, len(e.Items), e.TimeLimit.Seconds(), rec.Started.Add(e.TimeLimit)
	} else {
		s.log.Warn("sitting status: its exam", "sitting", rec.Run, "err", err)
	}
	s.countRecorded(r.Context(), &info)
	writeJSON(w, http.StatusOK, info)
}

// countRecorded sets the customers of a sitting that is over from its
// run's conversations: all of them arrived, and are over.
func (s *Server) countRecorded(ctx context.Context, info *SittingInfo) {
	ids, err := s.store.ConversationIDs(ctx, info.ID)
	if err != nil {
		s.log.Warn("sitting status: its conversations", "sitting", info.ID, "err", err)
		return
	}
	info.Arrived, info.Finished = len(ids), len(ids)
}

// sittingCard is GET /api/sittings/{sitting}/card: a candidate sees its
// own card, cases included, only once the sitting ended.
func (s *Server) sittingCard(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.sittingID(w, r)
	if !ok {
		return
	}
	if s.interrupted(rec) {
		fail(w, http.StatusConflict, "sitting %d was interrupted by a server stop: it has no card and does not count; the candidate may sit the exam again", rec.Run)
		return
	}
	card, err := s.Card(r.Context(), rec.Run)
	if errors.Is(err, ErrNoSitting) {
		fail(w, http.StatusConflict, "sitting %d has not ended: its card comes when it ends", rec.Run)
		return
	} else if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, card)
}

// reviewSitting is POST /api/sittings/{sitting}/reviews: a trainer
// overrides a conversation's verdict or score, with a reason.
func (s *Server) reviewSitting(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.sittingID(w, r)
	if !ok {
		return
	}
	var req struct {
		Item     string   `json:"item"`
		Correct  *bool    `json:"correct"`
		HardFail *bool    `json:"hard_fail"`
		Score    *float64 `json:"score"`
		Reason   string   `json:"reason"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, `body: want {"item": "ID", "correct": true, "hard_fail": false, "score": 85, "reason": "..."}: %v`, err)
		return
	}
	if s.interrupted(rec) {
		fail(w, http.StatusConflict, "sitting %d was interrupted by a server stop: it has no card to review", rec.Run)
		return
	}
	card, err := s.Card(r.Context(), rec.Run)
	if errors.Is(err, ErrNoSitting) {
		fail(w, http.StatusConflict, "sitting %d has not ended: review it when it has", rec.Run)
		return
	} else if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	conv := ""
	found := false
	for _, it := range card.Items {
		if it.Item == req.Item {
			conv, found = it.Conversation, it.Reached
		}
	}
	switch {
	case !found:
		fail(w, http.StatusBadRequest, "field \"item\": %q is not an item this candidate reached", req.Item)
		return
	case strings.TrimSpace(req.Reason) == "":
		fail(w, http.StatusBadRequest, "field \"reason\": a review needs a written reason")
		return
	case req.Correct == nil && req.HardFail == nil && req.Score == nil:
		fail(w, http.StatusBadRequest, "a review overrides at least one of correct, hard_fail and score")
		return
	case req.Score != nil && (*req.Score < 0 || *req.Score > 100):
		fail(w, http.StatusBadRequest, "field \"score\": %v: want 0 to 100", *req.Score)
		return
	}
	if _, err := s.store.SaveReview(r.Context(), store.Review{Run: rec.Run, Item: req.Item, Conv: conv, Correct: req.Correct,
		HardFail: req.HardFail, Score: req.Score, Reason: req.Reason, Reviewer: who(r).Name, At: s.cfg.Now()}); err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	card, err = s.regrade(r.Context(), rec.Run)
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusCreated, card)
}

// cohortReport is GET /api/cohorts/{cohort}[?exam=NAME].
func (s *Server) cohortReport(w http.ResponseWriter, r *http.Request) {
	rep, _, err := s.Cohort(r.Context(), r.PathValue("cohort"), r.URL.Query().Get("exam"))
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// examList is GET /api/exams: the built-in exams.
func (s *Server) examList(w http.ResponseWriter, r *http.Request) {
	out := []examSummary{}
	for _, n := range trainer.ExamNames() {
		if e, err := trainer.Builtin(n); err == nil {
			out = append(out, summaryOf(e))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// invite is POST /api/invitations: an admin invites candidates to a
// built-in exam.
func (s *Server) invite(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Exam       string   `json:"exam"`
		Cohort     string   `json:"cohort"`
		Candidates []string `json:"candidates"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, `body: want {"exam": "pre-hire-basic", "cohort": "2026-12", "candidates": ["王芳", "李雷"]}: %v`, err)
		return
	}
	var names []string
	for _, c := range req.Candidates {
		if c = strings.TrimSpace(c); c != "" {
			names = append(names, c)
		}
	}
	if strings.TrimSpace(req.Cohort) == "" || len(names) == 0 {
		fail(w, http.StatusBadRequest, "a cohort and at least one candidate are required")
		return
	}
	src, err := trainer.ExamSource(req.Exam)
	if err != nil {
		fail(w, http.StatusBadRequest, "field \"exam\": %v", err)
		return
	}
	e, err := trainer.ParseExam("exam "+req.Exam, src)
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	invs, err := s.Invite(r.Context(), e, src, strings.TrimSpace(req.Cohort), names)
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusCreated, invs)
}
