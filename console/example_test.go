package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/scimkit/scimkit/console"
	"github.com/scimkit/scimkit/store/memory"
)

// A gateway mounts the console beside its SCIM handler; the operator signs
// in with the admin token and gets a session cookie.
func ExampleNew() {
	st := memory.New()
	con, err := console.New(console.Config{Store: st, AdminToken: "an-admin-token-of-32-characters!"})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/", con)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(srv.URL + "/admin/log")
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	fmt.Println("signed out:", res.StatusCode, res.Header.Get("Location"))

	res, err = client.PostForm(srv.URL+"/admin/signin", url.Values{"token": {"an-admin-token-of-32-characters!"}})
	if err != nil {
		panic(err)
	}
	res.Body.Close()
	ck := res.Cookies()[0]
	fmt.Println("signed in:", res.StatusCode, res.Header.Get("Location"), ck.Name, ck.HttpOnly, ck.SameSite == http.SameSiteStrictMode)
	// Output:
	// signed out: 303 /admin/signin
	// signed in: 303 /admin/log scimkit_console true true
}
