package ssf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// pollTimeout bounds one poll request; transmitters hold a long poll for
// less (scimkit: Config.LongPoll, 20s by default).
const pollTimeout = 60 * time.Second

// RunPollers polls (RFC 8936) every trusted transmitter that has a
// PollURL, until ctx is done: each poll acknowledges the SETs of the
// previous one that were processed, reports those refused in setErrs, and
// asks the transmitter to wait for new SETs (returnImmediately false). A
// SET that could not be acted on now (the Revoker failed) is neither
// acknowledged nor refused, so the transmitter hands it out again. After
// an error it waits ReceiverConfig.PollInterval.
func (rc *Receiver) RunPollers(ctx context.Context) {
	var wg sync.WaitGroup
	for tenant, ts := range rc.cfg.Trusted {
		for _, tt := range ts {
			if tt.PollURL != "" {
				wg.Go(func() { rc.pollLoop(ctx, tenant, tt) })
			}
		}
	}
	wg.Wait()
}

func (rc *Receiver) pollLoop(ctx context.Context, tenant string, tt TrustedTransmitter) {
	req := PollRequest{MaxEvents: new(int)}
	*req.MaxEvents = DefaultMaxEvents
	for ctx.Err() == nil {
		next, err := rc.PollOnce(ctx, tenant, tt, req)
		if err != nil {
			if ctx.Err() == nil {
				rc.log.Warn("ssf: poll failed", "tenant", tenant, "url", tt.PollURL, "err", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(rc.cfg.PollInterval):
			}
			continue // req keeps its acks: they are sent again
		}
		req = next
	}
}

// PollOnce sends one poll request to tt and processes the SETs of the
// answer; it returns the next request: the acknowledgements and errors of
// this answer, waiting for new SETs.
func (rc *Receiver) PollOnce(ctx context.Context, tenant string, tt TrustedTransmitter, req PollRequest) (PollRequest, error) {
	resp, err := rc.poll(ctx, tt, req)
	if err != nil {
		return req, err
	}
	next := PollRequest{MaxEvents: req.MaxEvents, ReturnImmediately: false, SetErrs: map[string]SetErr{}}
	for jti, tok := range resp.Sets {
		err := rc.Receive(ctx, tenant, tok)
		switch {
		case err == nil, errors.Is(err, ErrReplay):
			next.Ack = append(next.Ack, jti)
		case errors.Is(err, errTransient):
			rc.log.Warn("ssf: SET not processed; it will come again", "tenant", tenant, "jti", jti, "err", err)
		default:
			next.SetErrs[jti] = SetErr{Err: ErrorCode(err), Description: err.Error()}
		}
	}
	next.ReturnImmediately = resp.MoreAvailable
	return next, nil
}

func (rc *Receiver) poll(ctx context.Context, tt TrustedTransmitter, req PollRequest) (PollResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, tt.PollURL, bytes.NewReader(body))
	if err != nil {
		return PollResponse{}, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if tt.PollAuthorization != "" {
		hreq.Header.Set("Authorization", tt.PollAuthorization)
	}
	resp, err := rc.cfg.Client.Do(hreq)
	if err != nil {
		return PollResponse{}, fmt.Errorf("ssf: poll %s: %w", tt.PollURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode != http.StatusOK {
		return PollResponse{}, fmt.Errorf("ssf: poll %s: %s: %.200s", tt.PollURL, resp.Status, b)
	}
	var pr PollResponse
	if err := json.Unmarshal(b, &pr); err != nil {
		return PollResponse{}, fmt.Errorf("ssf: poll %s: %w", tt.PollURL, err)
	}
	return pr, nil
}
