package conformance

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// compatIdPs are the IdPs of the matrix, in column order.
var compatIdPs = []string{"okta", "entra", "authentik", "jumpcloud", "pingfederate", "pingone", "onelogin", "rippling"}

// compatNames are the IdPs' display names.
var compatNames = map[string]string{"okta": "Okta", "entra": "Entra ID", "authentik": "authentik", "jumpcloud": "JumpCloud",
	"pingfederate": "PingFederate", "pingone": "PingOne", "onelogin": "OneLogin", "rippling": "Rippling"}

// compatibility renders COMPATIBILITY.md from the shipped replays and
// their grades.
func compatibility() []byte {
	files := ShippedReplays()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	byIdP := map[string][]*Grade{}
	replays := map[string][]string{}
	for _, n := range names {
		f := files[n]
		byIdP[f.IdP] = append(byIdP[f.IdP], GradeReplay(f))
		replays[f.IdP] = append(replays[f.IdP], fmt.Sprintf("`%s` (%d requests)", n, len(f.Steps)))
	}
	var b bytes.Buffer
	b.WriteString(`# scimkit compatibility matrix

Generated from the shipped IdP replays (` + "`conformance/replays`" + `, written from each vendor's documentation and
code; sources in [QUIRKS.md](../internal/idptest/testdata/QUIRKS.md)) and their grades
(` + "`conformance.GradeReplay`, `scimconform grade`" + `). Do not edit: regenerate with

    go generate ./conformance     # runs go test ./conformance -run TestCompatibilityCurrent -update

CI fails when this file is stale. Every replay below passes against scimkit on the memory, SQLite and
PostgreSQL stores (the ` + "`<idp>.replay.*`" + ` cases of ` + "`conformance.Run`" + `, run by ` + "`TestConformance*`" + `), in
every dialect but ` + "`strict`" + ` and, where the "strict" row says so, in ` + "`strict`" + ` too (` + "`TestGradeSettingsHold`" + `).

`)
	compatSummary(&b, byIdP, replays)
	compatQuirks(&b, byIdP)
	compatDeviations(&b, byIdP)
	compatFeatures(&b, byIdP)
	return b.Bytes()
}

func row(b *bytes.Buffer, cells ...string) {
	b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
}

func header(b *bytes.Buffer, first string, last ...string) {
	cells := []string{first}
	for _, idp := range compatIdPs {
		cells = append(cells, compatNames[idp])
	}
	cells = append(cells, last...)
	row(b, cells...)
	seps := make([]string, len(cells))
	for i := range seps {
		seps[i] = "---"
	}
	row(b, seps...)
}

func compatSummary(b *bytes.Buffer, byIdP map[string][]*Grade, replays map[string][]string) {
	b.WriteString("## IdPs and the scimkit settings they need\n\n| IdP | replays | scimkit tenant settings | IdP settings to check |\n|---|---|---|---|\n")
	for _, idp := range compatIdPs {
		settings, advice := map[string]bool{}, map[string]bool{}
		for _, g := range byIdP[idp] {
			for _, s := range g.Settings {
				settings[s] = true
			}
			for _, s := range g.IdPSettings {
				advice[s] = true
			}
		}
		if len(settings) > 1 {
			delete(settings, "no setting needed: any dialect, strict included")
		}
		row(b, compatNames[idp], strings.Join(replays[idp], "<br>"), strings.Join(sortedSet(settings), "<br>"), orDash(strings.Join(sortedSet(advice), "<br>")))
	}
	b.WriteString("\n")
}

// count returns how many requests of idp's grades fn counts.
func count(grades []*Grade, fn func(*Grade) int) int {
	n := 0
	for _, g := range grades {
		n += fn(g)
	}
	return n
}

func compatQuirks(b *bytes.Buffer, byIdP map[string][]*Grade) {
	b.WriteString("## Behaviour (quirk) × IdP\n\nA number is how many requests of the IdP's replays show the quirk; \"doc\" marks a quirk documented for the IdP\nthat no single request shows. The last column is what scimkit needs for it.\n\n")
	header(b, "quirk", "scimkit setting")
	for _, q := range Quirks() {
		cells := []string{"**" + q.ID + "**<br>" + q.Title}
		for _, idp := range compatIdPs {
			n := count(byIdP[idp], func(g *Grade) int {
				for _, m := range g.Quirks {
					if m.ID == q.ID {
						return len(m.Steps)
					}
				}
				return 0
			})
			switch {
			case n > 0:
				cells = append(cells, fmt.Sprint(n))
			case !q.Detectable() && slices.Contains(q.IdPs, idp):
				cells = append(cells, "doc")
			default:
				cells = append(cells, "")
			}
		}
		setting := "any dialect"
		if len(q.Settings) > 0 {
			setting = strings.Join(q.Settings, "<br>")
		}
		if q.IdPSetting != "" {
			setting += "<br>IdP: " + q.IdPSetting
		}
		row(b, append(cells, setting)...)
	}
	b.WriteString("\n")
}

func compatDeviations(b *bytes.Buffer, byIdP map[string][]*Grade) {
	b.WriteString("## Deviations from RFC 7643/7644 client requirements × IdP\n\nRequests of the IdP's replays that depart from each rule (`conformance.DeviationRules`).\n\n")
	header(b, "rule", "requirement")
	for _, r := range DeviationRules() {
		cells := []string{"`" + r.ID + "`<br>" + r.Title}
		for _, idp := range compatIdPs {
			n := count(byIdP[idp], func(g *Grade) int { return g.Deviations[r.ID] })
			cells = append(cells, map[bool]string{true: fmt.Sprint(n), false: ""}[n > 0])
		}
		row(b, append(cells, r.Requirement.String())...)
	}
	strict := []string{"**passes on a `strict` tenant**"}
	for _, idp := range compatIdPs {
		ok := !slices.ContainsFunc(byIdP[idp], func(g *Grade) bool {
			return slices.ContainsFunc(g.Settings, func(s string) bool { return strings.HasPrefix(s, "Dialect:") })
		})
		strict = append(strict, map[bool]string{true: "yes", false: "no"}[ok])
	}
	row(b, append(strict, "")...)
	b.WriteString("\n")
}

func compatFeatures(b *bytes.Buffer, byIdP map[string][]*Grade) {
	b.WriteString("## Server features relied on × IdP\n\n")
	all := map[string]bool{}
	for _, gs := range byIdP {
		for _, g := range gs {
			for _, f := range g.Features {
				all[f] = true
			}
		}
	}
	header(b, "feature")
	for _, f := range sortedSet(all) {
		cells := []string{f}
		for _, idp := range compatIdPs {
			used := slices.ContainsFunc(byIdP[idp], func(g *Grade) bool { return slices.Contains(g.Features, f) })
			cells = append(cells, map[bool]string{true: "✓", false: ""}[used])
		}
		row(b, cells...)
	}
}

// TestCompatibilityCurrent regenerates COMPATIBILITY.md and compares it
// with the checked-in file (-update rewrites it; go generate runs that).
func TestCompatibilityCurrent(t *testing.T) {
	got := compatibility()
	if *update {
		if err := os.WriteFile("COMPATIBILITY.md", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile("COMPATIBILITY.md")
	if err != nil {
		t.Fatalf("%v (run go generate ./conformance)", err)
	}
	if d := cmp.Diff(string(have), string(got)); d != "" {
		t.Errorf("COMPATIBILITY.md is stale; run go generate ./conformance (-have +generated):\n%s", d)
	}
	for _, idp := range compatIdPs {
		if !bytes.Contains(got, []byte("`"+idp+"-")) {
			t.Errorf("COMPATIBILITY.md lists no replay of %s", idp)
		}
	}
}
