package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/scimkit/scimkit/conformance"
)

const spcSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"

// preflight checks the target before any case runs: it is reachable, it
// accepts the token, and its /ServiceProviderConfig parses. Its error is
// one line saying what is wrong and what to check.
func preflight(ctx context.Context, t conformance.Target, client *http.Client) error {
	u := strings.TrimRight(t.BaseURL, "/") + "/ServiceProviderConfig"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("-url %q is not a URL: %v", t.BaseURL, err)
	}
	req.Header.Set("Accept", "application/scim+json")
	if t.Token != "" {
		req.Header.Set("Authorization", "Bearer "+t.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("cannot reach %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: reading the response: %v", u, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		if t.Token == "" {
			return fmt.Errorf("%s answered %d: the server needs a bearer token (-token or $SCIMCONFORM_TOKEN)", u, resp.StatusCode)
		}
		return fmt.Errorf("%s answered %d: the token was refused (check -token or $SCIMCONFORM_TOKEN, and that it belongs to this server)", u, resp.StatusCode)
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s answered 404: is -url the SCIM base URL (for scimkit's server, ending in /scim/v2)?", u)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("%s answered %d %s, not 200", u, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	var spc struct {
		Schemas []string `json:"schemas"`
	}
	if err := json.Unmarshal(body, &spc); err != nil {
		return fmt.Errorf("%s is not JSON (Content-Type %q): is -url the SCIM base URL?", u, resp.Header.Get("Content-Type"))
	}
	if !slices.ContainsFunc(spc.Schemas, func(s string) bool { return strings.EqualFold(s, spcSchema) }) {
		return fmt.Errorf("%s does not look like a ServiceProviderConfig (its schemas are %q): is -url the SCIM base URL?", u, spc.Schemas)
	}
	return nil
}

// progress reports each result on w: a dot per passing case (a line per
// case with -v or when it did not pass), and every tenth case and at the
// end the count done and the estimated time left.
type progress struct {
	w        io.Writer
	verbose  bool
	total, n int
	start    time.Time
	now      func() time.Time
	midLine  bool // dots printed since the last newline
}

func newProgress(w io.Writer, total int, verbose bool) *progress {
	return &progress{w: w, verbose: verbose, total: total, start: time.Now(), now: time.Now}
}

func (p *progress) result(res conformance.Result) {
	p.n++
	if p.verbose || res.Status != conformance.StatusPass {
		if p.midLine {
			fmt.Fprintln(p.w)
			p.midLine = false
		}
		fmt.Fprintf(p.w, "[%d/%d] %-4s %s %s\n", p.n, p.total, strings.ToUpper(string(res.Status)), res.ID, firstLine(res.Detail))
	} else {
		fmt.Fprint(p.w, ".")
		p.midLine = true
	}
	if p.n%10 == 0 || p.n == p.total {
		if p.midLine {
			fmt.Fprint(p.w, " ")
		}
		fmt.Fprintf(p.w, "%d/%d cases, %s\n", p.n, p.total, p.eta())
		p.midLine = false
	}
}

// eta is the estimated time left, from the mean time per case so far.
func (p *progress) eta() string {
	if p.n >= p.total {
		return "done in " + p.now().Sub(p.start).Round(time.Second).String()
	}
	left := p.now().Sub(p.start) / time.Duration(p.n) * time.Duration(p.total-p.n)
	return "about " + left.Round(time.Second).String() + " left"
}
