package storetest

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"unicode"
)

// atomSpec describes how to generate comparisons on one attribute path.
type atomSpec struct {
	path string
	kind string // "string", "int", "float", "date", "bool"
	// from returns sample values of the attribute in the corpus.
	from func(c *corpus, l *loaded, rng *rand.Rand) []string
}

func attrSamples(get func(map[string]any) []any) func(c *corpus, l *loaded, rng *rand.Rand) []string {
	return func(c *corpus, l *loaded, rng *rand.Rand) []string {
		u := c.users[rng.Intn(len(c.users))]
		var out []string
		for _, v := range get(u.Attrs) {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
}

func path(keys ...string) func(map[string]any) []any {
	return func(m map[string]any) []any {
		var cur any = m
		for _, k := range keys {
			switch x := cur.(type) {
			case map[string]any:
				cur = x[k]
			case []any:
				var out []any
				for _, e := range x {
					if em, ok := e.(map[string]any); ok && em[k] != nil {
						out = append(out, em[k])
					}
				}
				return out
			default:
				return nil
			}
		}
		if list, ok := cur.([]any); ok {
			return list
		}
		return []any{cur}
	}
}

const entURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

var atomSpecs = []atomSpec{
	{"userName", "string", attrSamples(path("userName"))},
	{"displayName", "string", attrSamples(path("displayName"))},
	{"title", "string", attrSamples(path("title"))},
	{"name.givenName", "string", attrSamples(path("name", "givenName"))},
	{"name.familyName", "string", attrSamples(path("name", "familyName"))},
	{"emails.value", "string", attrSamples(path("emails", "value"))},
	{"emails", "string", attrSamples(path("emails", "value"))},
	{"emails.type", "string", attrSamples(path("emails", "type"))},
	{"emails.primary", "bool", nil},
	{"active", "bool", nil},
	{entURN + ":department", "string", attrSamples(path(entURN, "department"))},
	{"employeeNumber", "string", attrSamples(path(entURN, "employeeNumber"))},
	{entURN + ":manager.value", "string", attrSamples(path(entURN, "manager", "value"))},
	{"tags", "string", attrSamples(path(TestExtensionSchema, "tags"))},
	{"code", "string", attrSamples(path(TestExtensionSchema, "code"))},
	{"score", "int", nil},
	{"ratio", "float", nil},
	{"hired", "date", nil},
	{"vip", "bool", nil},
	{"externalId", "string", func(c *corpus, l *loaded, rng *rand.Rand) []string {
		return []string{c.users[rng.Intn(len(c.users))].ExternalID}
	}},
	{"groups.display", "string", func(c *corpus, l *loaded, rng *rand.Rand) []string {
		return []string{c.groups[rng.Intn(len(c.groups))].Attrs["displayName"].(string)}
	}},
	{"groups.value", "string", func(c *corpus, l *loaded, rng *rand.Rand) []string {
		return []string{l.groupIDs[rng.Intn(len(l.groupIDs))]}
	}},
}

// randomFilter returns filter text of nesting depth at most depth.
func randomFilter(rng *rand.Rand, c *corpus, l *loaded, depth int) string {
	if depth == 0 || rng.Intn(5) < 2 {
		return randomAtom(rng, c, l, atomSpecs[rng.Intn(len(atomSpecs))])
	}
	switch rng.Intn(5) {
	case 0, 1:
		return "(" + randomFilter(rng, c, l, depth-1) + " and " + randomFilter(rng, c, l, depth-1) + ")"
	case 2:
		return "(" + randomFilter(rng, c, l, depth-1) + " or " + randomFilter(rng, c, l, depth-1) + ")"
	case 3:
		return "not (" + randomFilter(rng, c, l, depth-1) + ")"
	}
	sub := []atomSpec{{"value", "string", attrSamples(path("emails", "value"))}, {"type", "string", attrSamples(path("emails", "type"))}, {"primary", "bool", nil}}
	inner := randomAtom(rng, c, l, sub[rng.Intn(len(sub))])
	if rng.Intn(2) == 0 {
		inner += " and " + randomAtom(rng, c, l, sub[rng.Intn(len(sub))])
	}
	return "emails[" + inner + "]"
}

func randomAtom(rng *rand.Rand, c *corpus, l *loaded, a atomSpec) string {
	if rng.Intn(10) == 0 {
		return a.path + " pr"
	}
	ops := []string{"eq", "ne", "gt", "ge", "lt", "le"}
	var v string
	switch a.kind {
	case "bool":
		return fmt.Sprintf("%s %s %v", a.path, []string{"eq", "ne"}[rng.Intn(2)], rng.Intn(2) == 0)
	case "int":
		v = strconv.Itoa(rng.Intn(241) - 120)
	case "float":
		v = strconv.FormatFloat(float64(rng.Intn(440)-220)/8, 'g', -1, 64)
	case "date":
		v = strconv.Quote(randomDate(rng))
	default:
		ops = append(ops, "co", "sw", "ew", "co", "sw", "eq")
		v = strconv.Quote(randomString(rng, a.from(c, l, rng)))
	}
	return fmt.Sprintf("%s %s %s", a.path, ops[rng.Intn(len(ops))], v)
}

// randomString derives a comparison value from corpus samples: whole,
// prefix, suffix or middle, with random case changes, or a pool value.
func randomString(rng *rand.Rand, samples []string) string {
	if len(samples) == 0 || rng.Intn(6) == 0 {
		return namePool[rng.Intn(len(namePool))]
	}
	s := []rune(samples[rng.Intn(len(samples))])
	if len(s) > 1 {
		switch rng.Intn(4) {
		case 0:
			s = s[:1+rng.Intn(len(s)-1)]
		case 1:
			s = s[rng.Intn(len(s)-1):]
		case 2:
			i := rng.Intn(len(s) - 1)
			s = s[i : i+1+rng.Intn(len(s)-i-1)]
		}
	}
	switch rng.Intn(3) {
	case 0:
		return strings.ToUpper(string(s))
	case 1:
		for i := range s {
			if rng.Intn(2) == 0 {
				s[i] = unicode.ToUpper(s[i])
			}
		}
	}
	return string(s)
}
