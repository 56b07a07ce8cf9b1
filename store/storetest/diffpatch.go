package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// userPatchOps are PATCH operations on users (RFC 7644 §3.5.2) of every
// path form: no path, simple, sub-attribute, value filter with and without
// sub-attribute, extension URN paths, and requests every backend must
// refuse alike. %s is replaced by a generated JSON value.
var userPatchOps = []string{
	`{"op":"replace","value":{"displayName":%s,"title":%s}}`,
	`{"op":"add","value":{"nickName":%s,"name.givenName":%s}}`,
	`{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":%s}}`,
	`{"op":"replace","path":"title","value":%s}`,
	`{"op":"remove","path":"title"}`,
	`{"op":"replace","path":"active","value":%b}`,
	`{"op":"replace","path":"userName","value":%u}`,
	`{"op":"replace","path":"name.familyName","value":%s}`,
	`{"op":"remove","path":"name.givenName"}`,
	`{"op":"add","path":"emails","value":[{"value":%s,"type":"work","primary":%b}]}`,
	`{"op":"replace","path":"emails[type eq \"work\"].value","value":%s}`,
	`{"op":"remove","path":"emails[type eq \"home\"]"}`,
	primaryTypeOp,
	`{"op":"add","path":"phoneNumbers","value":[{"value":%p,"type":"mobile"}]}`,
	`{"op":"replace","path":"phoneNumbers[type eq \"mobile\"].value","value":%p}`,
	`{"op":"replace","path":"addresses[type eq \"work\"].locality","value":%c}`,
	`{"op":"add","path":"addresses","value":[{"locality":%c,"type":"home","primary":true}]}`,
	`{"op":"add","path":"x509Certificates","value":[{"value":%x}]}`,
	`{"op":"remove","path":"x509Certificates[value eq %x]"}`,
	`{"op":"replace","path":"profileUrl","value":%r}`,
	`{"op":"replace","path":"externalId","value":%e}`,
	`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":%s}`,
	`{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"m1"}`,
	`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}`,
	`{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}`,
	`{"op":"replace","path":"urn:scimkit:params:scim:schemas:extension:storetest:2.0:User:score","value":%i}`,
	`{"op":"replace","path":"urn:scimkit:params:scim:schemas:extension:storetest:2.0:User:ratio","value":%f}`,
	`{"op":"replace","path":"urn:scimkit:params:scim:schemas:extension:storetest:2.0:User:hired","value":%d}`,
	`{"op":"replace","path":"urn:scimkit:params:scim:schemas:extension:storetest:2.0:User:vip","value":%b}`,
	`{"op":"add","path":"urn:scimkit:params:scim:schemas:extension:storetest:2.0:User:tags","value":[%t]}`,
	`{"op":"replace","path":"urn:scimkit:params:scim:schemas:extension:storetest:2.0:User:badge","value":%k}`,
	`{"op":"replace","path":"urn:scimkit:params:scim:schemas:extension:storetest:2.0:User:alias","value":%k}`,
	`{"op":"remove","path":"urn:scimkit:params:scim:schemas:extension:storetest:2.0:User:code"}`,
	`{"op":"replace","path":"id","value":"x"}`,
	`{"op":"remove","path":"userName"}`,
	`{"op":"remove","path":"emails[type eq \"nope\"]"}`,
}

const primaryTypeOp = `{"op":"replace","path":"emails[primary eq true].type","value":"other"}`

// groupPatchOps are PATCH operations on groups: member operations that
// become deltas and ones that need the member list (patch.Patch.Members).
var groupPatchOps = []string{
	`{"op":"replace","path":"displayName","value":%g}`,
	`{"op":"replace","value":{"displayName":%g}}`,
	`{"op":"add","path":"externalId","value":%e}`,
	`{"op":"add","path":"members","value":%m}`,
	`{"op":"add","path":"members","value":%m}`,
	`{"op":"remove","path":"members[value eq %v]"}`,
	`{"op":"remove","path":"members[value eq %v or value eq %v]"}`,
	`{"op":"remove","path":"members","value":%m}`,
	`{"op":"remove","path":"members"}`,
	`{"op":"replace","path":"members","value":%m}`,
	`{"op":"remove","path":"members[display eq %n]"}`,
	`{"op":"remove","path":"members[type eq \"Group\"]"}`,
	`{"op":"replace","path":"members[value eq %v].display","value":%n}`,
	`{"op":"add","path":"members","value":[]}`,
}

// patch returns a PATCH of one to three operations.
func (g *gen) patch(typ string) diffOp {
	pool := userPatchOps
	if typ == "Group" {
		pool = groupPatchOps
	}
	var ops []string
	for range 1 + g.n(3) {
		tmpl := g.pick(pool)
		if tmpl == primaryTypeOp && g.avoid[DivSortPrimaryMissing] {
			continue // it creates a primary email without a value when none is primary
		}
		ops = append(ops, g.fillPatch(tmpl))
	}
	if len(ops) == 0 {
		ops = append(ops, g.fillPatch(pool[0]))
	}
	return diffOp{Kind: opPatch, Type: typ, Name: g.target(typ), IfMatch: g.ifMatch(), Patch: strings.Join(ops, ",")}
}

// fillPatch replaces the %x verbs of a template by generated JSON values.
func (g *gen) fillPatch(tmpl string) string {
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] != '%' || i+1 == len(tmpl) {
			b.WriteByte(tmpl[i])
			continue
		}
		i++
		b.WriteString(g.patchValue(tmpl[i]))
	}
	return b.String()
}

func (g *gen) patchValue(verb byte) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	switch verb {
	case 's':
		return q(g.pick(namePool))
	case 'b':
		return fmt.Sprint(g.chance(1, 2))
	case 'u':
		if len(g.users) > 0 && g.chance(1, 2) {
			s, _ := g.users[g.n(len(g.users))].Attrs["userName"].(string)
			return q([]string{s, strings.ToUpper(s)}[g.n(2)])
		}
		return q(fmt.Sprintf("renamed%d@example.com", g.n(1000)))
	case 'p':
		return q(g.pick(phonePool))
	case 'c':
		return q(g.pick(cityPool))
	case 'x':
		return q(g.pick(certPool))
	case 'r':
		return q(g.pick(urlPool))
	case 'e':
		return q(fmt.Sprintf("%s-%d", g.pick([]string{"ext", "EXT"}), g.n(12)))
	case 'i':
		return fmt.Sprint(g.n(201) - 100)
	case 'f':
		return fmt.Sprint(float64(g.n(400)-200) / 8)
	case 'd':
		return q(randomDate(g.rng()))
	case 't':
		return q(g.pick(tagPool))
	case 'k':
		return q(g.pick(badgePool))
	case 'g':
		return q(g.pick(groupPool))
	case 'n':
		return q(g.pick(memberNames))
	case 'v':
		return q(placeholder("id", g.userRef()))
	case 'm':
		b, _ := json.Marshal(g.newMembers(3))
		return string(b)
	}
	panic("storetest: unknown patch verb " + string(verb))
}
