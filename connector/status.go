package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/scimkit/scimkit/store"
)

// Status is what the Syncer keeps in the store about its runs (State
// "connector/<name>/status"), so that a restart knows when the last full
// run was.
type Status struct {
	// LastFull is when the last full run that succeeded started.
	LastFull time.Time `json:"lastFull,omitzero"`
	// LastGroups is when the last successful group run (or full run)
	// started.
	LastGroups time.Time `json:"lastGroups,omitzero"`
	// LastRun is when the last run of either kind started, LastError its
	// error ("" when it succeeded) and LastSummary its Result.Summary.
	LastRun     time.Time `json:"lastRun,omitzero"`
	LastError   string    `json:"lastError,omitempty"`
	LastSummary string    `json:"lastSummary,omitempty"`
}

// Status returns the stored status (the zero Status before any run).
func (s *Syncer) Status(ctx context.Context) (Status, error) {
	var st Status
	doc, err := s.states.GetState(ctx, s.cfg.Tenant, s.prefix+"status")
	if errors.Is(err, store.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("connector %s: reading status: %w", s.cfg.Name, err)
	}
	if err := json.Unmarshal(doc.Value, &st); err != nil {
		return st, fmt.Errorf("connector %s: status: %w", s.cfg.Name, err)
	}
	return st, nil
}

// saveStatus records the outcome of a run; failing to record it is logged,
// not returned (the run's own outcome matters more).
func (s *Syncer) saveStatus(ctx context.Context, res *Result, runErr error) {
	st, err := s.Status(ctx)
	if err != nil {
		s.cfg.Logger.Warn("connector: status not read", "connector", s.cfg.Name, "err", err)
	}
	st.LastRun, st.LastError, st.LastSummary = res.Started, "", res.Summary()
	if runErr != nil {
		st.LastError = runErr.Error()
	} else {
		st.LastGroups = res.Started
		if res.Full {
			st.LastFull = res.Started
		}
	}
	b, _ := json.Marshal(st)
	if _, err := s.states.PutState(ctx, s.cfg.Tenant, s.prefix+"status", b, store.AnyVersion); err != nil {
		s.cfg.Logger.Warn("connector: status not saved", "connector", s.cfg.Name, "err", err)
	}
}
