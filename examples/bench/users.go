package main

import (
	"encoding/json"
	"fmt"
	"net/url"
)

// userName is the userName of the run's i-th user; the run id keeps runs
// against one server apart.
func (b *bench) userName(i int) string {
	return fmt.Sprintf("bench-%s-%07d@example.com", b.runID, i)
}

// userBody is a typical provisioned user, shaped like the ones Okta and
// Entra push: core name, emails and phone, and the enterprise extension. It
// is formatted from a template, so that the load generator spends little of
// the CPU it shares with a -self server.
func (b *bench) userBody(i int) []byte {
	name := b.userName(i)
	return fmt.Appendf(nil, userTemplate, name, b.runID, i, i, i, i, i, i, i, name, i, i)
}

const userTemplate = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
	`"userName":%q,"externalId":"00u%s%07d","name":{"givenName":"Given%d","familyName":"Family%d","formatted":"Given%d Family%d"},` +
	`"displayName":"Given%d Family%d","title":"Software Engineer","locale":"en-US","active":true,` +
	`"emails":[{"value":%q,"type":"work","primary":true}],"phoneNumbers":[{"value":"+1 555 %07d","type":"work"}],` +
	`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"%d","department":"Engineering","organization":"Example Corp"}}`

// idOnly is what checks decode from a resource.
type idOnly struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
}

// listPage is what checks decode from a ListResponse.
type listPage struct {
	TotalResults int      `json:"totalResults"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []idOnly `json:"Resources"`
}

// createWorkload creates users from..to-1, recording their ids.
func (b *bench) createWorkload(from, to int) *workload {
	return &workload{
		name: "create", users: to, size: to - from,
		gen:    func(i int) request { return request{method: "POST", path: "/Users", body: b.userBody(from + i)} },
		want:   isCreated,
		decode: func(_ int, body []byte) { _ = json.Unmarshal(body, new(idOnly)) },
		check: func(i int, body []byte) error {
			var u idOnly
			if err := json.Unmarshal(body, &u); err != nil {
				return err
			}
			if u.ID == "" || u.UserName != b.userName(from+i) {
				return fmt.Errorf("created user has id %q, userName %q; want an id and %q", u.ID, u.UserName, b.userName(from+i))
			}
			b.ids[from+i] = u.ID
			return nil
		},
	}
}

// lookupWorkload looks up random existing users by userName eq.
func (b *bench) lookupWorkload(n int) *workload {
	live := b.liveUsers(n)
	pick := func(i int) int { return live[mix(b.seed, i)%uint64(len(live))] }
	return &workload{
		name: "lookup", users: n,
		gen: func(i int) request {
			f := fmt.Sprintf("userName eq %q", b.userName(pick(i)))
			return request{method: "GET", path: "/Users?filter=" + url.QueryEscape(f)}
		},
		want:   isOK,
		every:  lookupCheckEvery,
		decode: func(_ int, body []byte) { _ = json.Unmarshal(body, new(listPage)) },
		check: func(i int, body []byte) error {
			var p listPage
			if err := json.Unmarshal(body, &p); err != nil {
				return err
			}
			k := pick(i)
			if p.TotalResults != 1 || len(p.Resources) != 1 || p.Resources[0].ID != b.ids[k] {
				return fmt.Errorf("totalResults %d, %d resources; want exactly user %s", p.TotalResults, len(p.Resources), b.ids[k])
			}
			return nil
		},
	}
}

// pageSize is the count of the page workload.
const pageSize = 100

// pageWorkload reads random pages of 100 users by startIndex, compared with
// the page ceiling (a fixed page of 100 users as big).
func (b *bench) pageWorkload(n int) *workload {
	span := max(1, n-pageSize+1)
	return &workload{
		name: "page", users: n, pageCeiling: true,
		gen: func(i int) request {
			start := 1 + int(mix(b.seed, i)%uint64(span))
			return request{method: "GET", path: fmt.Sprintf("/Users?startIndex=%d&count=%d", start, pageSize)}
		},
		want:   isOK,
		every:  pageCheckEvery,
		decode: func(_ int, body []byte) { _ = json.Unmarshal(body, new(listPage)) },
		check: func(i int, body []byte) error {
			var p listPage
			if err := json.Unmarshal(body, &p); err != nil {
				return err
			}
			want := min(pageSize, n)
			if p.ItemsPerPage != want || len(p.Resources) != want || p.TotalResults < n {
				return fmt.Errorf("itemsPerPage %d, %d resources, totalResults %d; want %d of at least %d", p.ItemsPerPage, len(p.Resources), p.TotalResults, want, n)
			}
			return nil
		},
	}
}

// lookupCheckEvery and pageCheckEvery are how often lookups and pages are
// checked (workload.every). Decoding with encoding/json takes the client
// about 30 µs of CPU for a one-user answer and 600 µs for a page of 100 on
// the machine the targets were set on, as much as the server's work or
// more; sampling keeps the client's share of a shared machine small, and a
// ceiling pass decodes as often, so what is left costs both alike.
const (
	lookupCheckEvery = 10
	pageCheckEvery   = 100
)

// liveUsers returns the indexes below n of users that were created.
func (b *bench) liveUsers(n int) []int {
	var live []int
	for i, id := range b.ids[:n] {
		if id != "" {
			live = append(live, i)
		}
	}
	if len(live) == 0 {
		live = []int{0}
	}
	return live
}

// mix is SplitMix64 of seed+i: a stateless, well-spread choice per request,
// so gen and check agree on request i without sharing state.
func mix(seed uint64, i int) uint64 {
	z := seed + uint64(i)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
