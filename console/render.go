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
	m.HandleFunc("POST "+p+"/signout", c.action(c.signout))
	m.HandleFunc("GET "+p+"/log", c.page(c.logPage))
	m.HandleFunc("GET "+p+"/log/{seq}", c.page(c.entryPage))
	m.HandleFunc("GET "+p+"/tokens", c.page(c.tokensPage))
	m.HandleFunc("POST "+p+"/tokens", c.action(c.createToken))
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
	m.HandleFunc("GET "+p+"/directory", c.page(c.directoryPage))
	m.HandleFunc("GET "+p+"/directory/{type}/{id}", c.page(c.resourcePage))
	c.mux = m
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
	c.render(w, r, status, "error", s, map[string]any{"Status": status, "Message": msg})
}

// prettyJSON indents a JSON text; anything else is returned as is.
func prettyJSON(s string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

func pathEscape(s string) string { return url.PathEscape(s) }
