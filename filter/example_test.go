package filter_test

import (
	"fmt"
	"strings"

	"github.com/scimkit/scimkit/filter"
	"github.com/scimkit/scimkit/schema"
)

// Parse a filter as an IdP sends it, bind it to the User resource type
// and evaluate it against a user.
func Example() {
	rt := schema.UserResourceType()
	user := &schema.Resource{ID: "2819c223", Attrs: map[string]any{
		"userName": "bjensen@example.com",
		"emails": []any{
			map[string]any{"value": "bjensen@example.com", "type": "work"},
		},
	}}

	e, err := filter.Parse(`USERNAME eq "BJensen@Example.com" and emails[type eq "work"]`)
	if err != nil {
		fmt.Println(err)
		return
	}
	bound, err := filter.Bind(rt, e)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(bound)
	fmt.Println(filter.Match(rt, bound, user))

	_, err = filter.Parse(`userName eq`)
	fmt.Println(err)
	_, err = filter.Bind(rt, must(filter.Parse(`active gt true`)))
	fmt.Println(err)
	// Output:
	// USERNAME eq "BJensen@Example.com" and emails[type eq "work"]
	// true
	// scim: 400 invalidFilter: invalid filter at position 12: expected a comparison value (a "quoted string", a number, true, false or null), found the end of the filter
	// scim: 400 invalidFilter: operator gt is not supported for attribute active of type boolean (RFC 7644 §3.4.2.2)
}

func must(e filter.Expr, err error) filter.Expr {
	if err != nil {
		panic(err)
	}
	return e
}

// A store backend translates a bound filter into SQL with Walk-like
// recursion; here a sketch for a table with one column per attribute and a
// folded shadow column (filter.Fold) for caseExact=false attributes.
func Example_walk() {
	rt := schema.UserResourceType()
	e := must(filter.Parse(`userName eq "BJensen" and (title pr or meta.lastModified gt "2011-05-13T04:42:34Z")`))
	bound := must(filter.Bind(rt, e))

	// Check first that the backend supports every node.
	supported := true
	filter.Walk(bound, func(e filter.Expr) bool {
		if _, ok := e.(*filter.ValuePath); ok {
			supported = false // fall back to filter.Match in Go
		}
		return supported
	})
	fmt.Println("supported:", supported)

	var args []any
	var sql func(filter.Expr) string
	sql = func(e filter.Expr) string {
		switch e := e.(type) {
		case *filter.Logical:
			return "(" + sql(e.Left) + " " + strings.ToUpper(e.Op) + " " + sql(e.Right) + ")"
		case *filter.Not:
			return "NOT " + sql(e.X)
		case *filter.Compare:
			col, v := e.Ref.String(), e.Value
			if s, ok := v.(string); ok && !e.Ref.Target().CaseExact && e.Ref.Target().Type == schema.String {
				col, v = "fold_"+col, filter.Fold(s)
			}
			if e.Op == filter.Pr {
				return col + " IS NOT NULL AND " + col + " <> ''"
			}
			if t, ok := e.Time(); ok {
				v = t.UTC().Format("2006-01-02T15:04:05.000Z")
			}
			args = append(args, v)
			op := map[filter.Operator]string{filter.Eq: "=", filter.Gt: ">"}[e.Op]
			return fmt.Sprintf("%s %s $%d", col, op, len(args))
		}
		return "FALSE"
	}
	fmt.Println(sql(bound))
	fmt.Println(args)

	if c, ok := filter.Equality(bound); ok {
		fmt.Println("index lookup on", c.Ref)
	} else if cs, ok := filter.Conjunction(bound); ok {
		fmt.Println(len(cs), "comparisons to intersect")
	} else {
		fmt.Println("not a plain equality or conjunction")
	}
	// Output:
	// supported: true
	// (fold_userName = $1 AND (title IS NOT NULL AND title <> '' OR meta.lastModified > $2))
	// [bjensen 2011-05-13T04:42:34.000Z]
	// not a plain equality or conjunction
}

// ParsePath parses the PATCH paths Okta and Entra send.
func ExampleParsePath() {
	for _, s := range []string{
		`members[value eq "2819c223"]`,
		`emails[type eq "work"].value`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`,
	} {
		p, err := filter.ParsePath(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("attr=%q filter=%v sub=%q\n", p.Attr, p.Filter, p.Sub)
	}
	// Output:
	// attr="members" filter=value eq "2819c223" sub=""
	// attr="emails" filter=type eq "work" sub="value"
	// attr="urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager" filter=<nil> sub=""
	// attr="urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" filter=<nil> sub=""
}
