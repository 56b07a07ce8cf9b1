package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// Feed limits.
const (
	DefaultFeedLimit = 100
	MaxFeedLimit     = 1000
	// feedScan bounds how many outbox events one Feed call reads while
	// skipping other tenants' events.
	feedScan = 16 * MaxFeedLimit
)

// Feed is the pull side of delivery, for consumers reconciling after their
// own outage: it returns up to limit events of tenant with Seq > after,
// in Seq order, and the cursor to pass as after next time. limit <= 0
// means DefaultFeedLimit. The cursor moves past other tenants' events too,
// so a call may return fewer than limit events (even none) with a cursor
// beyond after; the feed is caught up when the cursor comes back equal to
// after. Delivery is at least once, as for push: drop duplicates by ID.
//
// Stores keep events for their retention window (store.Retention: 7 days
// by default; the memory store also at most memory.Config.OutboxSize
// events) beyond what registered Dispatcher consumers need. A cursor older
// than the oldest event kept never silently skips the pruned events: Feed
// returns an error wrapping *store.ExpiredError (errors.Is(err,
// store.ErrExpired)), like a Kubernetes watch answering "410 Gone: too old
// resource version". The reader must then resynchronise: read the
// tenant's current state (list its users and groups), then read the feed
// from the error's Pruned cursor on, dropping events that are not newer
// than what it listed (by seq, or by meta.version against an event's
// version).
func Feed(ctx context.Context, o store.Outbox, tenant string, after int64, limit int) ([]Event, int64, error) {
	if limit <= 0 {
		limit = DefaultFeedLimit
	}
	chunk := max(limit, 256)
	next := after
	out := []Event{}
	for scanned := 0; scanned < feedScan; {
		evs, err := o.Events(ctx, next, chunk)
		if err != nil {
			return nil, after, fmt.Errorf("hooks: feed: %w", err)
		}
		for _, e := range evs {
			next = e.Seq
			if e.Tenant == tenant {
				out = append(out, e)
				if len(out) == limit {
					return out, next, nil
				}
			}
		}
		scanned += len(evs)
		if len(evs) < chunk {
			break
		}
	}
	return out, next, nil
}

// FeedHandler serves Feed over HTTP for the tenant tenantOf returns
// (authenticate the request there): GET ?after=N&limit=M answers 200 with
// {"events": [...], "next": N}, events in the JSON form of webhook
// payloads' "data" (seq, id, type, tenant, resourceType, resourceId,
// externalId, version, time, actor, requestId, paths, members,
// groupsAdded, groupsRemoved, displayName, oldDisplayName). limit defaults
// to DefaultFeedLimit and is capped at MaxFeedLimit. Errors are JSON
// {"error": "..."}: 400 for a bad parameter, 405 for a method other than
// GET or HEAD, the status of a *schema.Error from tenantOf (else 401), 503
// when the store is unavailable, and 410 Gone when after is older than
// what the store keeps (store.ErrExpired), with {"error": "...", "next": P}:
// events after the cursor were pruned, so the client must resynchronise
// (list the resources again) and continue with after=P, the oldest cursor
// still valid (see Feed).
func FeedHandler(o store.Outbox, tenantOf func(*http.Request) (string, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			feedError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		tenant, err := tenantOf(r)
		if err != nil {
			status := http.StatusUnauthorized
			if se, ok := errors.AsType[*schema.Error](err); ok && se.Status >= 400 {
				status = se.Status
			}
			feedError(w, status, http.StatusText(status))
			return
		}
		after, err1 := intParam(r, "after", 0)
		limit, err2 := intParam(r, "limit", DefaultFeedLimit)
		if err := errors.Join(err1, err2); err != nil || after < 0 || limit < 1 {
			feedError(w, http.StatusBadRequest, "after must be a non-negative integer and limit a positive one")
			return
		}
		evs, next, err := Feed(r.Context(), o, tenant, after, int(min(limit, MaxFeedLimit)))
		if exp, ok := errors.AsType[*store.ExpiredError](err); ok {
			feedExpired(w, after, exp.Pruned)
			return
		}
		if err != nil {
			if errors.Is(err, store.ErrUnavailable) {
				w.Header().Set("Retry-After", "1")
				feedError(w, http.StatusServiceUnavailable, "event store unavailable")
			} else {
				feedError(w, http.StatusInternalServerError, "internal error")
			}
			return
		}
		page := struct {
			Events []wireEvent `json:"events"`
			Next   int64       `json:"next"`
		}{Events: make([]wireEvent, len(evs)), Next: next}
		for i, e := range evs {
			page.Events[i] = toWire(e)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(page)
	})
}

func intParam(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	return strconv.ParseInt(v, 10, 64)
}

// feedExpired answers 410 Gone to a cursor older than what is kept.
func feedExpired(w http.ResponseWriter, after, pruned int64) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusGone)
	json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
		Next  int64  `json:"next"`
	}{fmt.Sprintf("cursor expired: events after %d up to %d are no longer kept; resynchronise "+
		"(list the resources again), then continue with after=%d", after, pruned, pruned), pruned})
}

func feedError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
