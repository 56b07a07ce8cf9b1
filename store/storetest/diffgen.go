package storetest

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"strconv"
	"strings"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
)

// source is where the generator takes its choices from: a seeded PRNG for
// Differential, the fuzzer's bytes for DifferentialBytes.
type source interface {
	// Intn returns a choice in [0, n); n > 0.
	Intn(n int) int
}

type rngSource struct{ r *rand.Rand }

func (s rngSource) Intn(n int) int { return s.r.Intn(n) }

// byteSource reads choices from fuzz input, two bytes each; once the
// input is used up every choice is 0.
type byteSource struct {
	b []byte
	i int
}

func (s *byteSource) Intn(n int) int {
	if n <= 1 || s.i >= len(s.b) {
		return 0
	}
	var buf [2]byte
	s.i += copy(buf[:], s.b[s.i:])
	return int(binary.BigEndian.Uint16(buf[:])) % n
}

// opKind is the kind of one generated store operation.
type opKind int

const (
	opCreate    opKind = iota
	opGet              // Get with ReadOptions
	opReplace          // PUT-like Update: Apply replaces the resource (groups: LoadMembers)
	opEcho             // Update whose Apply returns what it was given (groups: LoadMembers)
	opPatch            // PATCH through package patch, split into deltas as the HTTP layer does
	opDeltas           // Update with store.Update.MemberDeltas
	opDelete           // Delete
	opList             // List with index paging
	opCursor           // List with RFC 9865 cursor paging, every page
	opBadCursor        // List with a cursor no store issued
)

var opNames = [...]string{"Create", "Get", "Replace", "Echo", "Patch", "Deltas", "Delete", "List", "CursorList", "BadCursor"}

// diffOp is one generated operation. It is plain data: strings may hold
// placeholders ({id:u3}, {created:u3}, {lastModified:g1}) that each
// backend resolves against its own answers, so the same op list replays on
// every backend and any subset of it still runs.
type diffOp struct {
	Kind opKind
	Type string // "User" or "Group"
	// Name is the logical name of the resource created ("u3": the fourth
	// user create of the sequence) or targeted.
	Name    string
	Res     *schema.Resource  // Create and Replace
	IfMatch string            // "", "*", "right" (the backend's own last version) or "stale"
	Read    store.ReadOptions // Get, List
	Patch   string            // Patch: the Operations array's elements
	Deltas  []schema.MemberDelta
	Keep    []int  // Replace of a group: positions of the current members kept
	Add     []any  // Replace of a group: members appended
	Tweak   string // Replace/Echo of a group: "display", "type" or "ref" changes kept members
	Filter  string
	SortBy  string
	Desc    bool
	Start   int
	Count   int
}

func (o diffOp) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", opNames[o.Kind], o.Type)
	if o.Name != "" {
		fmt.Fprintf(&b, " %s", o.Name)
	}
	if o.IfMatch != "" {
		fmt.Fprintf(&b, " If-Match=%s", o.IfMatch)
	}
	if o.Read != (store.ReadOptions{}) {
		fmt.Fprintf(&b, " read=%+v", o.Read)
	}
	if o.Res != nil {
		fmt.Fprintf(&b, " ext=%q schemas=%v attrs=%v", o.Res.ExternalID, o.Res.Schemas, o.Res.Attrs)
	}
	if o.Patch != "" {
		fmt.Fprintf(&b, " ops=[%s]", o.Patch)
	}
	if o.Deltas != nil {
		fmt.Fprintf(&b, " deltas=%+v", o.Deltas)
	}
	if o.Keep != nil || o.Add != nil || o.Tweak != "" {
		fmt.Fprintf(&b, " keep=%v add=%v tweak=%q", o.Keep, o.Add, o.Tweak)
	}
	if o.Kind >= opList {
		fmt.Fprintf(&b, " filter=%q sortBy=%q desc=%t start=%d count=%d", o.Filter, o.SortBy, o.Desc, o.Start, o.Count)
	}
	return b.String()
}

// gen generates operation sequences. Choices depend only on the source and
// on what was generated before (how many users and groups exist, the
// values they were created with), never on a store's answers.
type gen struct {
	src           source
	avoid         map[Divergence]bool
	users, groups []*schema.Resource // create bodies, by logical index
	userN, groupN int
	filterCorpus  *corpus
	filterLoaded  *loaded
	corpusUsers   int
	corpusGroups  int
}

func newGen(src source, avoid []Divergence) *gen {
	g := &gen{src: src, avoid: map[Divergence]bool{}}
	for _, d := range avoid {
		g.avoid[d] = true
	}
	return g
}

func (g *gen) n(n int) int                 { return g.src.Intn(n) }
func (g *gen) chance(num, den int) bool    { return g.n(den) < num }
func (g *gen) pick(pool []string) string   { return pool[g.n(len(pool))] }
func (g *gen) rng() *rand.Rand             { return rand.New(rand.NewSource(int64(g.n(1 << 30)))) }
func (g *gen) userRef() string             { return g.ref("u", g.userN) }
func (g *gen) groupRef() string            { return g.ref("g", g.groupN) }
func placeholder(kind, name string) string { return "{" + kind + ":" + name + "}" }

// ref picks the logical name of an earlier create of the type, or now and
// then one never created (every backend must answer ErrNotFound).
func (g *gen) ref(prefix string, n int) string {
	if n == 0 || g.chance(1, 25) {
		return prefix + strconv.Itoa(n+g.n(3))
	}
	return prefix + strconv.Itoa(g.n(n))
}

// op returns the next operation.
func (g *gen) op() diffOp {
	w := []struct {
		k      opKind
		weight int
	}{{opCreate, 16}, {opGet, 8}, {opReplace, 8}, {opEcho, 4}, {opPatch, 16}, {opDeltas, 8}, {opDelete, 3}, {opList, 22}, {opCursor, 6}, {opBadCursor, 1}}
	total := 0
	for _, x := range w {
		total += x.weight
	}
	k, r := opCreate, g.n(total)
	for _, x := range w {
		if r < x.weight {
			k = x.k
			break
		}
		r -= x.weight
	}
	typ := "User"
	if k == opDeltas || g.chance(2, 5) {
		typ = "Group"
	}
	if g.userN == 0 || (typ == "Group" && g.groupN == 0) || g.userN+g.groupN < 4 {
		k = opCreate
	}
	switch k {
	case opCreate:
		if typ == "User" {
			return g.createUser()
		}
		return g.createGroup()
	case opGet:
		return diffOp{Kind: opGet, Type: typ, Name: g.target(typ), Read: g.readOpts()}
	case opReplace:
		return g.replace(typ)
	case opEcho:
		o := diffOp{Kind: opEcho, Type: typ, Name: g.target(typ), IfMatch: g.ifMatch()}
		if typ == "Group" && !g.avoid[DivMemberRef] && g.chance(1, 2) {
			o.Tweak = "ref"
		}
		return o
	case opPatch:
		return g.patch(typ)
	case opDeltas:
		return g.deltasOp()
	case opDelete:
		return diffOp{Kind: opDelete, Type: typ, Name: g.target(typ), IfMatch: g.ifMatch()}
	case opBadCursor:
		return diffOp{Kind: opBadCursor, Type: typ, Count: 2, Filter: g.filter(typ)}
	}
	return g.list(k, typ)
}

func (g *gen) target(typ string) string {
	if typ == "User" {
		return g.userRef()
	}
	return g.groupRef()
}

func (g *gen) ifMatch() string {
	return []string{"", "", "", "*", "right", "right", "stale"}[g.n(7)]
}

func (g *gen) readOpts() store.ReadOptions {
	return store.ReadOptions{OmitMembers: g.chance(1, 4), OmitGroups: g.chance(1, 4)}
}

var (
	certPool    = []string{"MIIBaQ==", "miibaq==", "MIIBAQ==", "TUlJQg==", "AAEC", "bWlp"}
	phonePool   = []string{"+1 555 0100", "+47 555 01 02", "555-0199", "tel:+1-201-555-0123"}
	cityPool    = []string{"Oslo", "oslo", "Zürich", "ZÜRICH", "Berlin", ""}
	countryPool = []string{"NO", "no", "CH", "DE"}
	urlPool     = []string{"https://example.com/Babs", "https://example.com/babs", "HTTPS://EXAMPLE.COM/x", "https://other.example/ü"}
	badgePool   = []string{"AB", "ab", "Ab", "cd", "CD"}
	memberNames = []string{"Babs", "babs", "Ünits", "Jane Doe", ""}
)

func (g *gen) createUser() diffOp {
	name := "u" + strconv.Itoa(g.userN)
	u := g.userBody(g.userN)
	g.users = append(g.users, u)
	g.userN++
	return diffOp{Kind: opCreate, Type: "User", Name: name, Res: u}
}

// userBody returns a User with values of every SCIM type: string,
// boolean, decimal, integer, dateTime, binary, reference and complex,
// multi-valued ones with type and primary, and both extensions. Now and
// then its userName, badge or alias repeat an earlier one (in another
// case), for ErrConflict.
func (g *gen) userBody(i int) *schema.Resource {
	rng := g.rng()
	a := map[string]any{}
	u := &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: a}
	base := strings.ReplaceAll(g.pick(namePool), " ", "")
	a["userName"] = fmt.Sprintf("%s%d@%s", base, i, g.pick(domainPool))
	if i > 0 && g.chance(1, 8) {
		prev, _ := g.users[g.n(len(g.users))].Attrs["userName"].(string)
		a["userName"] = []string{prev, strings.ToUpper(prev)}[g.n(2)]
	}
	if g.chance(4, 5) {
		a["displayName"] = g.pick(namePool)
	}
	if g.chance(1, 2) {
		a["title"] = g.pick(titlePool)
	}
	if g.chance(1, 3) {
		a["nickName"] = g.pick(namePool)
	}
	if g.chance(4, 5) {
		a["active"] = g.chance(2, 3)
	}
	if g.chance(2, 3) {
		nm := map[string]any{"givenName": g.pick(namePool)}
		if g.chance(1, 2) {
			nm["familyName"] = g.pick(namePool)
		}
		a["name"] = nm
	}
	if g.chance(1, 3) {
		a["profileUrl"] = g.pick(urlPool)
	}
	if g.chance(1, 2) {
		u.ExternalID = fmt.Sprintf("%s-%d", g.pick([]string{"ext", "EXT", "Ext"}), g.n(12))
	}
	g.multiValued(a)
	if ent := g.enterprise(); ent != nil {
		a[schema.EnterpriseUserSchema] = ent
		u.Schemas = append(u.Schemas, schema.EnterpriseUserSchema)
	}
	if x := g.testExt(rng); len(x) > 0 {
		a[TestExtensionSchema] = x
		u.Schemas = append(u.Schemas, TestExtensionSchema)
	}
	return u
}

// multiValued sets the multi-valued complex attributes of a user: emails,
// phoneNumbers, addresses, x509Certificates (binary) and photos
// (reference).
func (g *gen) multiValued(a map[string]any) {
	g.multi(a, "emails", 3, typePool, func() map[string]any {
		return map[string]any{"value": fmt.Sprintf("%s.%d@%s", g.pick(namePool), g.n(4), g.pick(domainPool))}
	})
	g.multi(a, "phoneNumbers", 2, []string{"work", "mobile", "home"}, func() map[string]any { return map[string]any{"value": g.pick(phonePool)} })
	g.multi(a, "addresses", 2, []string{"work", "home"}, func() map[string]any {
		return map[string]any{"locality": g.pick(cityPool), "country": g.pick(countryPool)}
	})
	g.multi(a, "x509Certificates", 2, nil, func() map[string]any { return map[string]any{"value": g.pick(certPool)} })
	g.multi(a, "photos", 1, []string{"photo", "thumbnail"}, func() map[string]any {
		return map[string]any{"value": "https://photos.example.com/" + g.pick(codePool)}
	})
}

// enterprise returns Enterprise User extension values (RFC 7643 §4.3), or
// nil for none.
func (g *gen) enterprise() map[string]any {
	if !g.chance(1, 2) {
		return nil
	}
	ent := map[string]any{"department": g.pick(deptPool)}
	if g.chance(1, 2) {
		ent["employeeNumber"] = fmt.Sprint(g.n(1000))
	}
	if g.chance(1, 3) {
		ent["costCenter"] = fmt.Sprintf("CC-%d", g.n(3))
	}
	if g.chance(1, 2) {
		ent["manager"] = map[string]any{"value": fmt.Sprintf("m%d", g.n(5))}
	}
	return ent
}

// multi sets attr to up to max complex values from mk, each with a type
// from types (when given) and at most one primary.
func (g *gen) multi(a map[string]any, attr string, max int, types []string, mk func() map[string]any) {
	n := g.n(max + 1)
	if n == 0 {
		return
	}
	primary := g.n(n + 1)
	var list []any
	for j := range n {
		e := mk()
		if types != nil && (g.chance(4, 5) || (j == primary && g.avoid[DivSortPrimaryMissing])) {
			e["type"] = g.pick(types)
		}
		if j == primary {
			e["primary"] = true
		} else if g.chance(1, 4) {
			e["primary"] = false
		}
		list = append(list, e)
	}
	a[attr] = list
}

func (g *gen) testExt(rng *rand.Rand) map[string]any {
	x := map[string]any{}
	if g.chance(3, 4) {
		x["score"] = int64(g.n(201) - 100)
	}
	if g.chance(2, 3) {
		x["ratio"] = float64(g.n(400)-200) / 8
	}
	if g.chance(2, 3) {
		x["hired"] = randomDate(rng)
	}
	if g.chance(2, 3) {
		x["vip"] = g.chance(1, 2)
	}
	if g.chance(1, 2) {
		var tags []any
		for range 1 + g.n(3) {
			tags = append(tags, g.pick(tagPool))
		}
		x["tags"] = tags
	}
	if g.chance(1, 2) {
		x["code"] = g.pick(codePool)
	}
	if g.chance(1, 4) {
		x["badge"] = g.pick(badgePool)
	}
	if g.chance(1, 4) {
		x["alias"] = g.pick(badgePool)
	}
	return x
}

func (g *gen) createGroup() diffOp {
	name := "g" + strconv.Itoa(g.groupN)
	r := group(g.pick(groupPool))
	if g.chance(1, 3) {
		r.ExternalID = fmt.Sprintf("gext-%d", g.n(5))
	}
	if ms := g.newMembers(6); len(ms) > 0 {
		r.Attrs["members"] = ms
	}
	g.groups = append(g.groups, r)
	g.groupN++
	return diffOp{Kind: opCreate, Type: "Group", Name: name, Res: r}
}

// newMembers returns up to max members (users, sometimes earlier groups),
// with or without type, display and "$ref". Some name nothing (a name
// never created, or deleted since): every backend must leave them out
// alike (store/refs.go).
func (g *gen) newMembers(max int) []any {
	var out []any
	for range g.n(max + 1) {
		name, typ := g.userRef(), "User"
		if g.groupN > 0 && g.chance(1, 6) {
			name, typ = g.groupRef(), "Group"
		}
		m := map[string]any{"value": placeholder("id", name)}
		if g.chance(1, 2) {
			m["type"] = typ
		}
		if g.chance(1, 3) {
			m["display"] = g.pick(memberNames)
		}
		if g.chance(1, 6) {
			m["$ref"] = "https://example.com/v2/" + typ + "s/" + placeholder("id", name)
		}
		out = append(out, m)
	}
	return out
}

func (g *gen) replace(typ string) diffOp {
	o := diffOp{Kind: opReplace, Type: typ, Name: g.target(typ), IfMatch: g.ifMatch()}
	if typ == "User" {
		i, _ := strconv.Atoi(o.Name[1:])
		o.Res = g.userBody(i)
		if i < len(g.users) && g.chance(2, 3) {
			o.Res.Attrs["userName"] = g.users[i].Attrs["userName"] // keep the name most of the time
		}
		return o
	}
	o.Res = group(g.pick(groupPool))
	if g.chance(1, 3) {
		o.Res.ExternalID = fmt.Sprintf("gext-%d", g.n(5))
	}
	for k := range 6 {
		if g.chance(2, 3) {
			o.Keep = append(o.Keep, k)
		}
	}
	o.Add = g.newMembers(3)
	var tweaks []string
	for _, t := range []struct {
		d Divergence
		t string
	}{{DivMemberAttrs, "display"}, {DivMemberAttrs, "type"}, {DivMemberRef, "ref"}} {
		if !g.avoid[t.d] {
			tweaks = append(tweaks, t.t)
		}
	}
	if len(tweaks) > 0 && g.chance(1, 3) {
		o.Tweak = g.pick(tweaks)
	}
	return o
}

func (g *gen) deltasOp() diffOp {
	o := diffOp{Kind: opDeltas, Type: "Group", Name: g.groupRef(), IfMatch: g.ifMatch()}
	for range 1 + g.n(3) {
		switch g.n(5) {
		case 0, 1:
			o.Deltas = append(o.Deltas, schema.MemberDelta{Kind: schema.DeltaAdd, Members: g.deltaMembers()})
		case 2, 3:
			o.Deltas = append(o.Deltas, schema.MemberDelta{Kind: schema.DeltaRemove, Members: g.deltaMembers()})
		default:
			o.Deltas = append(o.Deltas, schema.MemberDelta{Kind: schema.DeltaClear})
		}
	}
	if g.chance(1, 4) {
		o.Res = group(g.pick(groupPool)) // a rename in the same update
	}
	return o
}

func (g *gen) deltaMembers() []schema.Member {
	var out []schema.Member
	for _, m := range g.newMembers(3) {
		m := m.(map[string]any)
		var pm schema.Member
		pm.Value, _ = m["value"].(string)
		pm.Type, _ = m["type"].(string)
		pm.Display, _ = m["display"].(string)
		out = append(out, pm)
	}
	return out
}
