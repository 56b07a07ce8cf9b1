package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/scimkit/scimkit/hooks"
	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
)

// eventsPath serves the pull feed of events, beside the SCIM base URL.
const eventsPath = "/events"

// webhookConsumer names the webhook's checkpoint in the store: a restart
// resumes where the previous run stopped, whatever the URL.
const webhookConsumer = "webhook"

// feedHandler is hooks.FeedHandler on st for the tenant of the request's
// bearer token (the same tokens as SCIM), so a gateway reconciles after
// its own outage with GET /events?after=N&limit=M.
func feedHandler(st store.Store, auth scim.Authenticator) (http.Handler, error) {
	o, ok := st.(store.Outbox)
	if !ok {
		return nil, errors.New("the store keeps no events")
	}
	tenantOf := func(r *http.Request) (string, error) {
		p, err := auth.Authenticate(r)
		if err != nil {
			return "", err
		}
		if p.Tenant == "" {
			p.Tenant = scim.DefaultTenant
		}
		if d := scim.RequestDetailsFrom(r.Context()); d != nil { // for the access log
			d.Tenant, d.TokenID = p.Tenant, p.Actor
		}
		return p.Tenant, nil
	}
	return bearerChallenge(hooks.FeedHandler(o, tenantOf)), nil
}

// bearerChallenge adds WWW-Authenticate to 401 answers (RFC 6750 §3).
func bearerChallenge(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(challengeWriter{w}, r)
	})
}

type challengeWriter struct{ http.ResponseWriter }

func (w challengeWriter) WriteHeader(status int) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
	}
	w.ResponseWriter.WriteHeader(status)
}

// webhookSecrets splits -webhook-secret (several secrets, comma- or
// space-separated, during a rotation) and checks that each is "whsec_"
// followed by base64.
func webhookSecrets(v string) ([]string, error) {
	secrets := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
	if len(secrets) == 0 {
		return nil, errors.New("-webhook needs -webhook-secret (make one with: openssl rand -base64 32, prefixed with whsec_)")
	}
	for i, s := range secrets {
		if _, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_")); err != nil {
			return nil, fmt.Errorf("-webhook-secret: secret #%d is not \"whsec_\" followed by base64", i+1)
		}
	}
	return secrets, nil
}

// startWebhook runs a hooks.Dispatcher that POSTs every event to
// cfg.webhook, signed per Standard Webhooks, until ctx is done; the
// returned function waits for it to stop. Without -webhook it does nothing.
func startWebhook(ctx context.Context, cfg config, st store.Store, logger *slog.Logger) (wait func(), err error) {
	if cfg.webhook == "" {
		return func() {}, nil
	}
	d, err := hooks.NewDispatcher(hooks.Config{Store: st, Logger: logger, MeterProvider: cfg.obs.meters,
		Handlers: map[string]hooks.Handler{webhookConsumer: &hooks.Webhook{URL: cfg.webhook, Secrets: cfg.webhookSecrets}}})
	if err != nil {
		return nil, err
	}
	cfg.dispatchers.add(webhookConsumer, d)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer d.Close()
		if err := d.Run(ctx); err != nil {
			logger.Error("webhook dispatcher stopped", "err", err)
		}
	}()
	return func() { <-done }, nil
}
