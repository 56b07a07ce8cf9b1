package storetest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

const entPrefix = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"

// userSorts are the sortBy paths of users whose order every backend must
// agree on exactly; binarySorts and membershipSorts (agreement_sort.go)
// are subject to known divergences; timeSorts and "id" order values that differ between
// backends (generated ids and times), so only the order of each backend's
// own values is checked.
var (
	userSorts = []string{"userName", "displayName", "name.familyName", "name.givenName", "title", "nickName", "emails",
		"emails.value", "emails.type", "phoneNumbers.value", "addresses.locality", "active", "externalId",
		"meta.resourceType", "profileUrl", entPrefix + "department", entPrefix + "manager.value", "employeeNumber",
		"score", "ratio", "hired", "vip", "code", "tags", "badge", "alias", "photos.value", "emails.primary"}
	groupSorts    = []string{"displayName", "externalId", "meta.resourceType"}
	binarySorts   = []string{"x509Certificates.value", "x509Certificates"}
	ownOrderSorts = []string{"meta.created", "meta.lastModified", "id"}
)

// userFilterTemplates are filters on users beyond filtergen's atoms:
// every attribute type the generator writes, the derived groups, and
// meta. {uN} and {gN} are replaced by a generated user or group name.
var userFilterTemplates = []string{
	`id eq "{id:{uN}}"`, `meta.lastModified ge "{lastModified:{uN}}" and id eq "{id:{uN}}"`,
	`id eq "{id:{uN}}" and meta.created lt "{created:{uN}}"`, `meta.version eq "W/\"2\""`, `meta.version eq "W/\"1\""`,
	`groups.value eq "{id:{gN}}"`, `groups[value eq "{id:{gN}}"]`, `groups.display eq "admins"`, `groups pr`, `not (groups pr)`,
	`profileUrl sw "https://example.com/"`, `profileUrl eq "https://example.com/babs"`, `profileUrl pr`,
	`phoneNumbers[type eq "mobile" and primary eq true]`, `phoneNumbers.value co "555"`, `phoneNumbers.type eq "WORK"`,
	`addresses[type eq "work" and locality eq "OSLO"]`, `addresses.country eq "no"`, `addresses.locality pr`,
	`x509Certificates pr`, `not (x509Certificates pr)`, `addresses pr`, `phoneNumbers pr`, `not (emails pr)`, `photos.value sw "https://photos.example.com/a"`, `nickName pr`,
	`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter eq "cc-1"`, `badge eq "AB"`, `badge eq "ab"`,
	`alias eq "ab"`, `alias gt "b"`, `emails[type eq "work"] and not (emails[type eq "home"])`, `name pr`,
	`userName eq "{userName}"`, `userName eq "{USERNAME}"`, `schemas eq "urn:scimkit:params:scim:schemas:extension:storetest:2.0:User"`,
}

// binaryFilterTemplates compare a binary attribute (case-exact).
var binaryFilterTemplates = []string{
	`x509Certificates.value eq "MIIBaQ=="`, `x509Certificates.value eq "miibaq=="`, `x509Certificates.value ne "AAEC"`,
	`x509Certificates[value eq "TUlJQg=="]`, `x509Certificates eq "bWlp"`,
}

var groupFilterTemplates = []string{
	`displayName eq "{group}"`, `displayName eq "ADMINS"`, `displayName co "in"`, `displayName sw "ü"`, `displayName gt "b"`,
	`members[value eq "{id:{uN}}"]`, `members.value eq "{id:{uN}}"`, `members eq "{id:{uN}}"`, `members pr`, `not (members pr)`,
	`members[type eq "Group"]`, `members[type eq "user"]`, `members.display eq "babs"`, `members.display co "B"`,
	`members[display pr]`, `externalId pr`, `externalId eq "GEXT-1"`, `id eq "{id:{gN}}" and members[value eq "{id:{uN}}"]`,
	`id eq "{id:{gN}}" and meta.lastModified ge "{lastModified:{gN}}"`,
	`members.$ref pr`, `meta.version eq "W/\"1\""`, `meta.version ne "W/\"1\""`,
}

// timeFilterTemplates compare a resource's meta times with the
// millisecond text the store reported for them: whether they match
// depends on DivTimePrecision.
var timeFilterTemplates = []string{
	`id eq "{id:{xN}}" and meta.created eq "{created:{xN}}"`, `id eq "{id:{xN}}" and meta.lastModified eq "{lastModified:{xN}}"`,
	`id eq "{id:{xN}}" and meta.created le "{created:{xN}}"`, `meta.lastModified gt "{lastModified:{xN}}" and id eq "{id:{xN}}"`,
}

// complexPresentRE matches a presence test of a multi-valued complex
// attribute of User (DivComplexPresence).
var complexPresentRE = regexp.MustCompile(`\b(emails|phoneNumbers|addresses|x509Certificates|photos) pr\b`)

// filter returns filter text for typ, "" (no filter) now and then.
func (g *gen) filter(typ string) string {
	f := g.filterText(typ)
	if g.avoid[DivComplexPresence] && complexPresentRE.MatchString(f) {
		return g.fillFilter(`id eq "{id:{uN}}"`)
	}
	return f
}

func (g *gen) filterText(typ string) string {
	if g.chance(1, 4) {
		return ""
	}
	if !g.avoid[DivTimePrecision] && g.chance(1, 12) {
		x := "{uN}"
		if typ == "Group" {
			x = "{gN}"
		}
		return g.fillFilter(strings.ReplaceAll(g.pick(timeFilterTemplates), "{xN}", x))
	}
	if typ == "Group" {
		return g.fillFilter(g.pick(groupFilterTemplates))
	}
	if !g.avoid[DivBinaryCase] && g.chance(1, 10) {
		return g.pick(binaryFilterTemplates)
	}
	if g.chance(1, 2) && g.groupN > 0 {
		// groups.value compares generated ids: only the templates'
		// whole-id equality is the same on every backend.
		if f := g.randomUserFilter(); !strings.Contains(f, "groups.value") {
			return f
		}
	}
	return g.fillFilter(g.pick(userFilterTemplates))
}

func (g *gen) fillFilter(t string) string {
	userName := "nobody"
	if len(g.users) > 0 {
		userName, _ = g.users[g.n(len(g.users))].Attrs["userName"].(string)
	}
	return strings.NewReplacer("{uN}", g.userRef(), "{gN}", g.groupRef(), "{userName}", escapeFilter(userName),
		"{USERNAME}", escapeFilter(strings.ToUpper(userName)), "{group}", escapeFilter(g.pick(groupPool))).Replace(t)
}

func escapeFilter(s string) string { q := strconv.Quote(s); return q[1 : len(q)-1] }

// randomUserFilter reuses filtergen over the users and groups generated so
// far (their create bodies as samples, placeholders for group ids).
func (g *gen) randomUserFilter() string {
	if g.corpusUsers != len(g.users) || g.corpusGroups != len(g.groups) {
		g.filterCorpus = &corpus{users: g.users, groups: g.groups}
		g.filterLoaded = &loaded{}
		for i := range g.groups {
			g.filterLoaded.groupIDs = append(g.filterLoaded.groupIDs, placeholder("id", fmt.Sprintf("g%d", i)))
		}
		g.corpusUsers, g.corpusGroups = len(g.users), len(g.groups)
	}
	return randomFilter(g.rng(), g.filterCorpus, g.filterLoaded, 2)
}

// list returns a List (index paging) or CursorList operation.
func (g *gen) list(k opKind, typ string) diffOp {
	o := diffOp{Kind: k, Type: typ, Filter: g.filter(typ), Read: g.readOpts(), Desc: g.chance(1, 2)}
	if g.chance(3, 5) {
		o.SortBy = g.sortBy(typ)
	}
	if k == opCursor {
		o.Count = []int{1, 2, 3, 5}[g.n(4)]
	} else {
		o.Start = g.n(g.userN + 3)
		o.Count = []int{0, 1, 2, 3, 5, 100, 100}[g.n(7)]
	}
	if ownOrder(o.SortBy) {
		o.Kind, o.Start, o.Count = opList, 1, 1000 // only whole lists: ties may fall either way
	}
	return o
}

func (g *gen) sortBy(typ string) string {
	pool := append([]string{}, ownOrderSorts...)
	if typ == "User" {
		pool = append(pool, userSorts...)
		if !g.avoid[DivBinaryCase] {
			pool = append(pool, binarySorts...)
		}
		if !g.avoid[DivMembershipSort] {
			pool = append(pool, membershipSorts["User"]...)
		}
	} else {
		pool = append(pool, groupSorts...)
		if !g.avoid[DivMembershipSort] {
			pool = append(pool, membershipSorts["Group"]...)
		}
	}
	return g.pick(pool)
}

func ownOrder(sortBy string) bool {
	for _, s := range ownOrderSorts {
		if strings.EqualFold(s, sortBy) {
			return true
		}
	}
	return false
}
