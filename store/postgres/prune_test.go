package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

func TestRetention(t *testing.T) {
	storetest.RunRetention(t, func(t *testing.T, cfg storetest.RetentionConfig) store.Store {
		return open(t, postgres.Config{Now: cfg.Now, Retention: cfg.Retention})
	})
}

// TestBackgroundPrune checks that Open starts pruning in the background
// and Close stops it: with Window negative and no consumer, every event
// goes at the next run.
func TestBackgroundPrune(t *testing.T) {
	s := open(t, postgres.Config{Retention: store.Retention{Window: -1, Interval: 5 * time.Millisecond}})
	for _, name := range []string{"a", "b", "c"} {
		u := &schema.Resource{Schemas: []string{schema.UserSchema}, Attrs: map[string]any{"userName": name}}
		if _, err := s.Create(t.Context(), "t", schema.UserResourceType(), u); err != nil {
			t.Fatal(err)
		}
	}
	// Not a timing assertion: the deadline only bounds a hang.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		_, err := s.Events(t.Context(), 0, 10)
		if exp, ok := errors.AsType[*store.ExpiredError](err); ok && exp.Pruned == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Events(0) = %v, want the 3 events pruned in the background", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
