package connector

import (
	"fmt"
	"io"
	"time"
)

// Action is what a run did (or would have done) to one resource.
type Action string

// Actions reported in a Result.
const (
	Created     Action = "created"
	Updated     Action = "updated"
	Deactivated Action = "deactivated"
	Reactivated Action = "reactivated"
	Deleted     Action = "deleted"
	// Skipped means the resource was left as it is (a group whose members
	// the source refused; a user whose userName another resource holds).
	Skipped Action = "skipped"
	// Failed means the write failed; Item.Detail says why.
	Failed Action = "failed"
)

// Item is one resource a run acted on.
type Item struct {
	// Action is what was done.
	Action Action
	// Type is the resource type name ("User", "Group").
	Type string
	// ID is the resource's scimkit id ("" when none was created).
	ID string
	// ExternalID is the source's id.
	ExternalID string
	// Name is the userName or displayName.
	Name string
	// Detail says why, for Skipped and Failed.
	Detail string
}

// String returns a one-line description, e.g.
// "deactivated User alice@example.com (externalId 1234, id 9f…)".
func (it Item) String() string {
	s := fmt.Sprintf("%s %s %s (externalId %s", it.Action, it.Type, it.Name, it.ExternalID)
	if it.ID != "" {
		s += ", id " + it.ID
	}
	s += ")"
	if it.Detail != "" {
		s += ": " + it.Detail
	}
	return s
}

// Result is the report of one run.
type Result struct {
	// Full is true for Sync, false for SyncGroups.
	Full bool
	// Started and Finished bound the run.
	Started, Finished time.Time
	// Items are the resources the run created, updated, deactivated,
	// reactivated, deleted, skipped or failed to write, in order.
	Items []Item
	// Unchanged counts the resources that already matched the source.
	Unchanged int
	// Blocked lists the deprovisionings a tripped guard prevented.
	Blocked []Item
	// Warnings are conditions worth an operator's attention.
	Warnings []string
}

// Count returns how many items have the action a.
func (r *Result) Count(a Action) int {
	n := 0
	for _, it := range r.Items {
		if it.Action == a {
			n++
		}
	}
	return n
}

// Changed reports whether the run wrote anything.
func (r *Result) Changed() bool {
	for _, it := range r.Items {
		if it.Action != Skipped && it.Action != Failed {
			return true
		}
	}
	return false
}

// Summary returns counts by action, e.g. "created 3, updated 1,
// deactivated 0, reactivated 0, deleted 2, unchanged 40, skipped 0,
// failed 0".
func (r *Result) Summary() string {
	return fmt.Sprintf("created %d, updated %d, deactivated %d, reactivated %d, deleted %d, unchanged %d, skipped %d, failed %d",
		r.Count(Created), r.Count(Updated), r.Count(Deactivated), r.Count(Reactivated), r.Count(Deleted),
		r.Unchanged, r.Count(Skipped), r.Count(Failed))
}

// Print writes the report: one line per item, warnings, blocked changes
// and the summary.
func (r *Result) Print(w io.Writer) {
	for _, it := range r.Items {
		fmt.Fprintln(w, it)
	}
	for _, it := range r.Blocked {
		fmt.Fprintln(w, "blocked:", it)
	}
	for _, s := range r.Warnings {
		fmt.Fprintln(w, "warning:", s)
	}
	fmt.Fprintf(w, "%s in %s\n", r.Summary(), r.Finished.Sub(r.Started).Round(time.Millisecond))
}

func (r *Result) add(it Item) { r.Items = append(r.Items, it) }
