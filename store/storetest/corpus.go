package storetest

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/scimkit/scimkit/schema"
)

// corpus is the data of the differential filter test: users and groups
// with varied values (case variants, unicode, missing attributes,
// multi-valued emails with types and primary, the Enterprise extension,
// numbers, dates, booleans) and random memberships.
type corpus struct {
	users  []*schema.Resource
	groups []*schema.Resource
	// members[i] are the indexes of the users (>= 0) and groups (-1-j) of
	// group i.
	members [][]int
}

var (
	namePool   = []string{"Alice", "alice", "ALICE", "Bob", "bob", "Zoë", "ZOË", "Ärger", "ärger", "\u212Aelvin", "kelvin", "Straße", "STRASSE", "σας", "ΣΑΣ", "O'Brien", `Quote "Q"`, "日本", "", "a%b_c", "back\\slash"}
	deptPool   = []string{"Sales", "sales", "Engineering", "R&D", "Støtte", "ÉQUIPE", "équipe"}
	titlePool  = []string{"Engineer", "engineer", "Manager", "Dr.", "VP, Sales", "İnşaat"}
	tagPool    = []string{"red", "Red", "green", "blue", "ÜBER", "über"}
	codePool   = []string{"a", "A", "b", "ab", "Ab"}
	typePool   = []string{"work", "home", "other", "Work"}
	domainPool = []string{"example.com", "Example.COM", "example.org", "exämple.de"}
	groupPool  = []string{"Admins", "admins", "ADMINS", "Engineering", "Sales", "Ünits", "ünits", "Everyone", "a-b", "Z"}
	zonePool   = []string{"Z", "+02:00", "-05:30", "+14:00", ".123Z", ".5-01:00"}
)

func newCorpus(seed int64, nUsers, nGroups int) *corpus {
	rng := rand.New(rand.NewSource(seed))
	c := &corpus{}
	pick := func(pool []string) string { return pool[rng.Intn(len(pool))] }
	maybe := func(p float64) bool { return rng.Float64() < p }
	for i := range nUsers {
		u := &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{}}
		base := pick(namePool)
		u.Attrs["userName"] = fmt.Sprintf("%s%d@%s", strings.ReplaceAll(base, " ", ""), i, pick(domainPool))
		if maybe(0.8) {
			u.Attrs["displayName"] = pick(namePool)
		}
		if maybe(0.5) {
			u.Attrs["title"] = pick(titlePool)
		}
		if maybe(0.8) {
			u.Attrs["active"] = maybe(0.7)
		}
		if maybe(0.7) {
			name := map[string]any{"givenName": pick(namePool)}
			if maybe(0.6) {
				name["familyName"] = pick(namePool)
			}
			u.Attrs["name"] = name
		}
		if maybe(0.6) {
			u.ExternalID = fmt.Sprintf("%s-%d", pick([]string{"ext", "EXT", "Ext"}), i%40)
		}
		if n := rng.Intn(4); n > 0 {
			var emails []any
			primary := rng.Intn(n + 1)
			for j := range n {
				e := map[string]any{"value": fmt.Sprintf("%s.%d@%s", pick(namePool), j, pick(domainPool))}
				if maybe(0.8) {
					e["type"] = pick(typePool)
				}
				if j == primary {
					e["primary"] = true
				} else if maybe(0.3) {
					e["primary"] = false
				}
				emails = append(emails, e)
			}
			u.Attrs["emails"] = emails
		}
		if maybe(0.6) {
			ent := map[string]any{"department": pick(deptPool)}
			if maybe(0.5) {
				ent["employeeNumber"] = fmt.Sprint(rng.Intn(1000))
			}
			if maybe(0.5) {
				ent["manager"] = map[string]any{"value": fmt.Sprintf("m%d", rng.Intn(5))}
			}
			u.Attrs[schema.EnterpriseUserSchema] = ent
			u.Schemas = append(u.Schemas, schema.EnterpriseUserSchema)
		}
		if maybe(0.7) {
			x := map[string]any{}
			if maybe(0.8) {
				x["score"] = int64(rng.Intn(201) - 100)
			}
			if maybe(0.7) {
				x["ratio"] = float64(rng.Intn(400)-200) / 8
			}
			if maybe(0.7) {
				x["hired"] = randomDate(rng)
			}
			if maybe(0.7) {
				x["vip"] = maybe(0.5)
			}
			if maybe(0.6) {
				var tags []any
				for range 1 + rng.Intn(3) {
					tags = append(tags, pick(tagPool))
				}
				x["tags"] = tags
			}
			if maybe(0.5) {
				x["code"] = pick(codePool)
			}
			if len(x) > 0 {
				u.Attrs[TestExtensionSchema] = x
				u.Schemas = append(u.Schemas, TestExtensionSchema)
			}
		}
		c.users = append(c.users, u)
	}
	for i := range nGroups {
		g := group(pick(groupPool))
		c.groups = append(c.groups, g)
		var ms []int
		seen := map[int]bool{}
		for range rng.Intn(25) {
			m := rng.Intn(nUsers)
			if i > 0 && maybe(0.1) {
				m = -1 - rng.Intn(i)
			}
			if !seen[m] {
				seen[m] = true
				ms = append(ms, m)
			}
		}
		c.members = append(c.members, ms)
	}
	return c
}

// randomDate returns an xsd:dateTime between 2020 and 2026 in one of
// several zone and precision forms.
func randomDate(rng *rand.Rand) string {
	t := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int63n(int64(6 * 365 * 24 * time.Hour))))
	switch z := zonePool[rng.Intn(len(zonePool))]; z {
	case "Z":
		return t.Format("2006-01-02T15:04:05Z")
	case ".123Z":
		return t.Format("2006-01-02T15:04:05.000Z")
	case ".5-01:00":
		return t.In(time.FixedZone("", -3600)).Format("2006-01-02T15:04:05.0-07:00")
	default:
		off := map[string]int{"+02:00": 7200, "-05:30": -19800, "+14:00": 50400}[z]
		return t.In(time.FixedZone("", off)).Format("2006-01-02T15:04:05-07:00")
	}
}
