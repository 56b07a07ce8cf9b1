package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/scimkit/scimkit/connector"
	"github.com/scimkit/scimkit/connector/googleworkspace"
	"github.com/scimkit/scimkit/store"
)

// googleOptions feed the gateway's store from a Google Workspace directory
// by pull (package connector): the same users, groups, events and session
// revocations as SCIM push, suspended users' sessions ending within
// seconds when WebhookURL receives Google's users.watch notifications.
type googleOptions struct {
	// Credentials is the service account's JSON key (domain-wide
	// delegation); Subject the admin it impersonates.
	Credentials []byte
	Subject     string
	// Customer and Endpoint default to googleworkspace's defaults.
	Customer, Endpoint string
	// WebhookURL is this gateway's public URL for Google's notifications
	// ("" = no notifications: polls and full runs only); the gateway serves
	// POST on its path.
	WebhookURL string
	// PollEvery and FullEvery are the periods of group polls and full runs
	// (connector.RunConfig; zero: its defaults, negative PollEvery: none).
	PollEvery, FullEvery time.Duration
}

// googleRun is the running part of a Google Workspace connector.
type googleRun struct {
	syncer *connector.Syncer
	rc     connector.RunConfig
}

// mountGoogle sets up options.Google: the syncer, and the notification
// receiver on the webhook URL's path.
func (g *gateway) mountGoogle() error {
	o := g.opts.Google
	if o == nil {
		return nil
	}
	c, err := googleworkspace.New(googleworkspace.Config{Credentials: o.Credentials, Subject: o.Subject,
		Customer: o.Customer, Endpoint: o.Endpoint, Logger: g.logger})
	if err != nil {
		return err
	}
	s, err := connector.New(connector.Config{Store: g.opts.Store, Tenant: g.opts.Tenant, Source: c, Name: "googleworkspace",
		Users: g.users, Groups: g.groups, Logger: g.logger})
	if err != nil {
		return err
	}
	run := &googleRun{syncer: s, rc: connector.RunConfig{PollEvery: o.PollEvery, FullEvery: o.FullEvery}}
	if o.WebhookURL != "" {
		path, err := webhookPath(o.WebhookURL)
		if err != nil {
			return err
		}
		states, ok := g.opts.Store.(store.States)
		if !ok {
			return errors.New("gateway: the store does not keep states, needed for Google notifications")
		}
		w, err := googleworkspace.NewWatch(googleworkspace.WatchConfig{Client: c, Store: states, Tenant: g.opts.Tenant,
			Address: o.WebhookURL, Logger: g.logger})
		if err != nil {
			return err
		}
		g.mux.Handle("POST "+path, w)
		run.rc.Watcher = w
	}
	g.google = run
	return nil
}

// webhookPath returns the path of the notification URL, refusing the
// gateway's own paths.
func webhookPath(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("-google-webhook-url %q is not an absolute http(s) URL", raw)
	}
	p := u.Path
	switch {
	case p == "" || p == "/" || strings.ContainsAny(p, "{} "):
		return "", fmt.Errorf("-google-webhook-url %q needs a path of its own, e.g. /google/notifications", raw)
	case p == scimPath || strings.HasPrefix(p, scimPath+"/") || p == "/login" || p == "/policy" || p == "/ssf/receive":
		return "", fmt.Errorf("-google-webhook-url %q: %s is a path the gateway already serves", raw, p)
	}
	return p, nil
}

// googleFlags are the -google-* flags of the gateway.
type googleFlags struct {
	credentials, subject, customer, endpoint, webhook string
	poll, full                                        time.Duration
}

func addGoogleFlags(fs *flag.FlagSet) *googleFlags {
	f := &googleFlags{}
	fs.StringVar(&f.credentials, "google-credentials", "", "Google Workspace: path of the service account's JSON key file (domain-wide delegation); feeds the store from the directory")
	fs.StringVar(&f.subject, "google-subject", "", "Google Workspace: admin email the service account impersonates")
	fs.StringVar(&f.customer, "google-customer", googleworkspace.DefaultCustomer, "Google Workspace: customer id")
	fs.StringVar(&f.endpoint, "google-endpoint", googleworkspace.DefaultEndpoint, "Google Workspace: Admin SDK API root (for proxies and tests)")
	fs.StringVar(&f.webhook, "google-webhook-url", "", "Google Workspace: public URL of this gateway's notification receiver, e.g. https://gw.example.com/google/notifications (default: polls only)")
	fs.DurationVar(&f.poll, "google-poll", connector.DefaultPollEvery, "Google Workspace: period of group and membership polls")
	fs.DurationVar(&f.full, "google-full-sync", connector.DefaultFullEvery, "Google Workspace: period of full reconciliations")
	return f
}

// options returns the parsed flags as googleOptions (nil without
// -google-credentials).
func (f *googleFlags) options() (*googleOptions, error) {
	if f.credentials == "" {
		if f.subject != "" || f.webhook != "" {
			return nil, errors.New("-google-subject and -google-webhook-url need -google-credentials")
		}
		return nil, nil
	}
	if f.subject == "" {
		return nil, errors.New("-google-credentials needs -google-subject, the admin the service account impersonates")
	}
	if f.full <= 0 {
		return nil, fmt.Errorf("-google-full-sync %s is not a positive duration", f.full)
	}
	key, err := os.ReadFile(f.credentials)
	if err != nil {
		return nil, fmt.Errorf("-google-credentials: %w", err)
	}
	poll := f.poll
	if poll <= 0 {
		poll = -1
	}
	return &googleOptions{Credentials: key, Subject: f.subject, Customer: f.customer, Endpoint: f.endpoint,
		WebhookURL: f.webhook, PollEvery: poll, FullEvery: f.full}, nil
}

// run keeps the store in step with Google until ctx ends.
func (r *googleRun) run(ctx context.Context, logger *slog.Logger) {
	if err := r.syncer.Run(ctx, r.rc); err != nil {
		logger.Error("google workspace connector stopped", "err", err)
	}
}
