package conformance

import (
	"context"
	"net/http"
)

var needETag = []Feature{FeatureETag}

func init() {
	register(
		Case{ID: "etag.header", Title: "GET returns an ETag equal to meta.version",
			Requirement: should("RFC 7644 §3.14"), Profiles: rfc, Needs: needETag, Func: etagHeader},
		Case{ID: "etag.if-none-match-304", Title: "GET with If-None-Match of the current version is 304",
			Requirement: must("RFC 7644 §3.14, RFC 7232 §3.2"), Profiles: rfc, Needs: needETag, Func: etagNoneMatch},
		Case{ID: "etag.if-match-stale-412", Title: "PATCH, PUT and DELETE with a stale If-Match are 412 and change nothing",
			Requirement: must("RFC 7644 §3.14, RFC 7232 §3.1"), Profiles: rfc, Needs: []Feature{FeatureETag, FeaturePatch}, Func: etagStale},
		Case{ID: "etag.version-changes", Title: "a change yields a new version",
			Requirement: must("RFC 7643 §3.1 (meta.version)"), Profiles: rfc, Needs: needETag, Func: etagChanges},
		Case{ID: "etag.race", Title: "two PUTs with the same If-Match at once: one wins, the other is 412",
			Requirement: must("RFC 7644 §3.14, RFC 7232 §3.1"), Profiles: rfc, Needs: needETag, Func: etagRace},
	)
}

func version(t *T, path string) (string, obj) {
	res := t.Do(http.MethodGet, path, nil)
	t.Must(res, "GET "+path, http.StatusOK)
	g := t.JSON(res, "GET "+path)
	v, _ := attr(g, "meta.version").(string)
	if v == "" {
		v = res.Header.Get("ETag")
	}
	if v == "" {
		t.Fatalf("GET %s: neither meta.version nor ETag", path)
	}
	return v, g
}

func etagHeader(ctx context.Context, t *T) {
	id, _ := createUser(t, "eth", nil)
	res := t.Do(http.MethodGet, "/Users/"+id, nil)
	t.Must(res, "GET", http.StatusOK)
	if h, v := res.Header.Get("ETag"), attr(t.JSON(res, "GET"), "meta.version"); h == "" || h != v {
		t.Errorf("ETag %q, meta.version %#v: want both, equal", h, v)
	}
}

func etagNoneMatch(ctx context.Context, t *T) {
	id, _ := createUser(t, "etn", nil)
	v, _ := version(t, "/Users/"+id)
	t.Want(t.Do(http.MethodGet, "/Users/"+id, nil, Header("If-None-Match", v)), "GET with If-None-Match", http.StatusNotModified)
}

func etagStale(ctx context.Context, t *T) {
	id, u := createUser(t, "ets", nil)
	old, _ := version(t, "/Users/"+id)
	patchOK(t, "/Users/"+id, op("replace", "title", "New"))
	p := "/Users/" + id
	t.Want(t.Do(http.MethodPatch, p, patchBody(op("replace", "title", "Stale")), Header("If-Match", old)), "PATCH with a stale If-Match", http.StatusPreconditionFailed)
	t.Want(t.Do(http.MethodPut, p, userBody(u["userName"].(string), obj{"title": "Stale"}), Header("If-Match", old)), "PUT with a stale If-Match", http.StatusPreconditionFailed)
	t.Want(t.Do(http.MethodDelete, p, nil, Header("If-Match", old)), "DELETE with a stale If-Match", http.StatusPreconditionFailed)
	if g := get(t, p); g["title"] != "New" {
		t.Errorf("title %#v after refused writes, want New", g["title"])
	}
	cur, _ := version(t, p)
	t.Want(t.Do(http.MethodPatch, p, patchBody(op("replace", "title", "Current")), Header("If-Match", cur)), "PATCH with the current If-Match", http.StatusOK, http.StatusNoContent)
}

func etagChanges(ctx context.Context, t *T) {
	id, _ := createUser(t, "etc", nil)
	before, _ := version(t, "/Users/"+id)
	res := t.Do(http.MethodPut, "/Users/"+id, userBody(get(t, "/Users/"+id)["userName"].(string), obj{"title": "Changed"}))
	t.Must(res, "PUT", http.StatusOK)
	if after, _ := version(t, "/Users/"+id); after == before {
		t.Errorf("version %s unchanged after an update", after)
	}
}

func etagRace(ctx context.Context, t *T) {
	id, u := createUser(t, "etr", nil)
	v, _ := version(t, "/Users/"+id)
	statuses := make([]int, 2)
	parallel(2, func(i int) {
		body := userBody(u["userName"].(string), obj{"title": []string{"A", "B"}[i]})
		statuses[i] = t.Do(http.MethodPut, "/Users/"+id, body, Header("If-Match", v)).Status
	})
	ok, failed := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusPreconditionFailed:
			failed++
		}
	}
	if ok != 1 || failed != 1 {
		t.Errorf("statuses %v, want one 200 and one 412", statuses)
	}
}
