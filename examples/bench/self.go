package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scimkit/scim"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/memory"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/sqlite"
)

// selfServer is the reference handler served by the bench process itself
// (-self), on a loopback port, wired as examples/server wires it.
type selfServer struct {
	base  string // SCIM base URL
	token string
	srv   *http.Server
	st    store.Store
	errc  chan error
}

// startSelf opens the store named by spec ("memory", a SQLite path or a
// postgres:// DSN) and serves scim.Handler on 127.0.0.1.
func startSelf(ctx context.Context, spec, pgSchema string) (*selfServer, error) {
	st, err := openStore(ctx, spec, pgSchema)
	if err != nil {
		return nil, fmt.Errorf("-self %s: %w", redact(spec), err)
	}
	token := randomHex(16)
	cfg := scim.Config{
		Store:         st,
		Authenticator: scim.StaticTokens{{Tenant: scim.DefaultTenant, ID: "bench", SHA256: scim.HashToken(token)}},
		Prefix:        "/scim/v2",
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	// As examples/server by default: a persistent store records every
	// write in its provisioning log, before the write is answered.
	if pl, ok := st.(store.ProvisioningLog); ok && spec != "memory" {
		cfg.ProvisioningLog = pl
	}
	h, err := scim.New(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", h)
	s := &selfServer{
		base:  "http://" + ln.Addr().String() + "/scim/v2",
		token: token,
		srv:   &http.Server{Handler: labelled("server", mux), ReadHeaderTimeout: 10 * time.Second},
		st:    st,
		errc:  make(chan error, 1),
	}
	go func() { s.errc <- s.srv.Serve(ln) }()
	return s, nil
}

func (s *selfServer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if e := <-s.errc; !errors.Is(e, http.ErrServerClosed) {
		err = errors.Join(err, e)
	}
	return errors.Join(err, s.st.Close())
}

func openStore(ctx context.Context, spec, pgSchema string) (store.Store, error) {
	switch {
	case spec == "memory":
		return memory.New(), nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return postgres.Open(ctx, postgres.Config{DSN: spec, Schema: pgSchema})
	case spec == "":
		return nil, errors.New("empty store: want memory, a SQLite path or a postgres:// DSN")
	default:
		return sqlite.Open(ctx, sqlite.Config{Path: spec})
	}
}

// redact hides a password in a DSN.
func redact(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.LastIndex(s, "@"); at > i {
			if c := strings.Index(s[i+3:at], ":"); c >= 0 {
				return s[:i+3+c] + ":***" + s[at:]
			}
		}
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
