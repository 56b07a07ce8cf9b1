package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// view is what every page template receives.
type view struct {
	Prefix string // the console's mount path
	CSRF   string // the session's synchronizer token ("" when signed out)
	Page   string // the page's name, for the navigation
	Data   map[string]any
}

func (c *Console) routes() {
	p := c.cfg.Prefix
	m := http.NewServeMux()
	m.Handle("GET "+p+"/static/", c.static)
	m.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, p+"/", http.StatusMovedPermanently) })
	m.HandleFunc("GET "+p+"/{$}", c.page(func(w http.ResponseWriter, r *http.Request, _ *session) {
		http.Redirect(w, r, p+"/log", http.StatusSeeOther)
	}))
	m.HandleFunc("GET "+p+"/signin", c.signinPage)
	m.HandleFunc("POST "+p+"/signin", c.signin)
	m.HandleFunc("POST "+p+"/signout", func(w http.ResponseWriter, r *http.Request) {
		if _, s := c.session(r); s == nil { // already signed out: nothing to end
			http.Redirect(w, r, p+"/signin", http.StatusSeeOther)
			return
		}
		c.action(c.signout)(w, r)
	})
	m.HandleFunc("GET "+p+"/log", c.page(c.logPage))
	m.HandleFunc("GET "+p+"/log/{seq}", c.page(c.entryPage))
	m.HandleFunc("GET "+p+"/tokens", c.page(c.tokensPage))
	m.HandleFunc("POST "+p+"/tokens", c.action(c.createToken))
	m.HandleFunc("GET "+p+"/tokens/new/{handle}", c.page(c.secretPage))
	m.HandleFunc("POST "+p+"/tokens/{id}/rotate", c.action(c.rotateToken))
	m.HandleFunc("POST "+p+"/tokens/{id}/revoke", c.action(c.revokeToken))
	m.HandleFunc("GET "+p+"/tenants", c.page(c.tenantsPage))
	m.HandleFunc("POST "+p+"/tenants", c.action(c.createTenant))
	m.HandleFunc("GET "+p+"/tenants/{id}", c.page(c.tenantPage))
	m.HandleFunc("POST "+p+"/tenants/{id}", c.action(c.updateTenant))
	m.HandleFunc("POST "+p+"/tenants/{id}/delete", c.action(c.deleteTenant))
	m.HandleFunc("GET "+p+"/deliveries", c.page(c.deliveriesPage))
	m.HandleFunc("GET "+p+"/deliveries/{consumer}", c.page(c.consumerPage))
	m.HandleFunc("POST "+p+"/deliveries/{consumer}/replay", c.action(c.replay))
	m.HandleFunc("GET "+p+"/connectors", c.page(c.connectorsPage))
	m.HandleFunc("GET "+p+"/directory", c.page(c.directoryPage))
	m.HandleFunc("GET "+p+"/directory/{type}/{id}", c.page(c.resourcePage))
	m.HandleFunc(p+"/", c.notFound)
	c.mux = m
}

// notFound answers the console's unknown paths (and the wrong method on a
// known one): the sign-in page when signed out, else a 404 page.
func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	_, s := c.session(r)
	switch {
	case s == nil && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		http.Redirect(w, r, c.cfg.Prefix+"/signin", http.StatusSeeOther)
	case s == nil:
		c.fail(w, r, nil, http.StatusNotFound, "No such page.")
	default:
		c.fail(w, r, s, http.StatusNotFound, "No such page: "+r.URL.Path+".")
	}
}

var funcs = template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"ms":     func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) },
	"pretty": prettyJSON,
	"list":   func(s ...string) []string { return s },
	"qs": func(v url.Values, kv ...string) template.URL { // v with kv set, as a query string
		out := url.Values{}
		for k, vs := range v {
			out[k] = append([]string(nil), vs...)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				out.Del(kv[i])
			} else {
				out.Set(kv[i], kv[i+1])
			}
		}
		return template.URL(out.Encode())
	},
	"pathEscape": url.PathEscape,
	"join":       strings.Join,
}

// parsePages parses each page template with the layout.
func parsePages(prefix string) (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes page with data; s is the session (nil when signed out).
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, s *session, data map[string]any) {
	v := view{Prefix: c.cfg.Prefix, Page: page, Data: data}
	if s != nil {
		v.CSRF = s.csrf
	}
	var buf bytes.Buffer
	if err := c.pages[page].Execute(&buf, v); err != nil {
		c.cfg.Logger.Error("console: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders an error page for a store error or bad input.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	c.render(w, r, status, "error", s, map[string]any{"Status": status, "Text": http.StatusText(status), "Message": msg})
}

// internal answers 500 for an unexpected error of what (a store error):
// logged, and not echoed to the page, as scim.WriteError does.
func (c *Console) internal(w http.ResponseWriter, r *http.Request, s *session, what string, err error) {
	c.cfg.Logger.Error("console: "+what, "path", r.URL.Path, "err", err)
	c.fail(w, r, s, http.StatusInternalServerError, "Could not "+what+" (the server log has the error).")
}

// prettyJSON indents a JSON text, with <, > and & shown as themselves
// rather than as the \u003c escapes Go's encoder writes (the template
// escapes the HTML); anything else is returned as is.
func prettyJSON(s string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return unescapeHTML(buf.Bytes())
}

// indentJSON encodes v indented, as prettyJSON shows it.
func indentJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(cannot be shown: %v)", err)
	}
	return prettyJSON(string(b))
}

// htmlEscapes are the escapes json.Marshal writes for HTML safety.
var htmlEscapes = map[string]byte{"003c": '<', "003e": '>', "0026": '&'}

// unescapeHTML turns the \u003c, \u003e and \u0026 escapes of a valid JSON
// text back into <, > and &. An escaped backslash ("\\") is copied as a
// pair, so a string that really contains the text \u003c stays as written.
func unescapeHTML(b []byte) string {
	var out strings.Builder
	out.Grow(len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out.WriteByte(b[i])
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) {
			if c, ok := htmlEscapes[strings.ToLower(string(b[i+2:i+6]))]; ok {
				out.WriteByte(c)
				i += 5
				continue
			}
		}
		out.WriteByte(b[i])
		out.WriteByte(b[i+1])
		i++
	}
	return out.String()
}

func pathEscape(s string) string { return url.PathEscape(s) }
