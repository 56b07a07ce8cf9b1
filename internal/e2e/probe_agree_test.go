package e2e

// probeTranscript sends what a careless or hostile client might: filter
// values holding SQL LIKE wildcards and escapes, empty strings, case
// folding beyond ASCII, comparisons of strings, booleans, dateTimes and
// multi-valued complex attributes, some of them with the wrong type, and
// paging parameters out of range. Each backend must answer as memory does.
func probeTranscript() []step {
	s := []step{
		{method: "POST", path: "/Users", body: userBody("pct%user", `"title":"100%","nickName":"a_b","displayName":"back\\slash"`), capture: "p"},
		{method: "POST", path: "/Users", body: userBody("pctXuser", `"title":"1000","nickName":"axb","displayName":"backXslash"`)},
		{method: "POST", path: "/Users", body: userBody("İstanbul", `"title":"","nickName":"ǅemal"`)},
		{method: "POST", path: "/Users", body: userBody("istanbul2", `"nickName":"ǆemal"`)},
		{method: "POST", path: "/Users", body: userBody("ﬃ", `"nickName":"FFI"`)},
		{method: "POST", path: "/Users", body: userBody("num.user", `"active":true,"emails":[{"value":"n@x.org","primary":true},{"value":"m@x.org","primary":false}]`)},
		{method: "POST", path: "/Users", body: userBody("tab\tuser")},
		{method: "POST", path: "/Users", body: userBody("  spaced  ")},
	}
	filters := []string{
		`userName sw "pct%"`, `userName co "%"`, `userName ew "%user"`, `userName co "t%u"`,
		`nickName co "_"`, `nickName eq "a_b"`, `nickName sw "a_"`, `displayName co "\\"`, `displayName ew "\\slash"`,
		`title eq ""`, `title co ""`, `title sw ""`, `title pr`, `title eq "100%"`, `title gt "100"`, `title lt "100%"`,
		`userName eq "istanbul"`, `userName eq "İSTANBUL"`, `userName sw "i̇"`, `nickName eq "Ǆemal"`, `nickName eq "ǆEMAL"`,
		`userName eq "FFI"`, `userName eq "ffi"`, `nickName eq "ﬃ"`,
		`userName eq "tab\tuser"`, `userName co "\t"`, `userName eq "  SPACED  "`, `userName eq "spaced"`,
		`emails[primary eq true]`, `emails[primary eq false]`, `emails.primary eq true`, `active eq true`, `active ne true`, `active pr`, `not (active pr)`,
		`meta.created gt "2000-01-01T00:00:00Z"`, `meta.created lt "2000-01-01T00:00:00Z"`, `meta.lastModified ge "2999-01-01T00:00:00.000Z"`,
		`meta.created gt "not a date"`, `active eq "true"`, `active gt true`, `userName gt 5`, `userName eq null`, `title eq null`,
		`emails.value eq "N@X.ORG"`, `emails[value sw "N@"]`, `userName ne "pct%user"`, `userName co "USER" and not (userName sw "pct")`,
	}
	for _, f := range filters {
		s = append(s, step{method: "GET", path: filterQ("/Users", f, "sortBy", "userName", "attributes", "userName")})
	}
	// Not meta.created, meta.lastModified or id: ids are random, and the
	// users' times fall in different milliseconds on each run, so which
	// users tie (and, descending, come out in creation order among
	// themselves) differs from run to run.
	for _, p := range []string{"nickName", "title", "displayName", "emails.primary", "emails.value", "name.givenName"} {
		for _, o := range []string{"ascending", "descending"} {
			s = append(s, step{method: "GET", path: q("/Users", "sortBy", p, "sortOrder", o, "attributes", "userName")})
		}
	}
	s = append(s,
		step{method: "GET", path: q("/Users", "startIndex", "-5", "count", "2", "sortBy", "userName")},
		step{method: "GET", path: q("/Users", "startIndex", "0", "count", "-1")},
		step{method: "GET", path: q("/Users", "startIndex", "99999999999999999999")},
		step{method: "GET", path: q("/Users", "count", "abc")},
		step{method: "GET", path: q("/Users", "sortOrder", "sideways", "sortBy", "userName")},
		step{method: "PATCH", path: "/Users/{{p}}", body: patchOps(`{"op":"replace","path":"title","value":"50%"}`)},
		step{method: "GET", path: filterQ("/Users", `title co "%"`, "attributes", "title")},
		step{method: "PUT", path: "/Users/{{p}}", body: userBody("PCT%USER", `"nickName":"a_b"`)},
		step{method: "POST", path: "/Users", body: userBody("pct%USER")},
		step{method: "GET", path: filterQ("/Users", `userName eq "PCT%user"`, "attributes", "userName,nickName")},
	)
	return s
}
