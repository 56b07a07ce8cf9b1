package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scimkit/scimkit/schema"
	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/sqlite"
	"github.com/scimkit/scimkit/store/storetest"
)

// seeded is a SQLite store that seeds benchmark tenants in one
// transaction (storetest.Seeder) instead of one Create per user.
type seeded struct{ *sqlite.Store }

func (s seeded) Seed(ctx context.Context, tenant string, rt *schema.ResourceType, rs []*schema.Resource) ([]string, error) {
	return sqlite.BulkLoad(ctx, s.Store, tenant, rt, rs)
}

// BenchmarkStoretest runs the shared store benchmarks (storetest.Bench):
// userName eq, unfiltered pages and member deltas at 1k and 100k, whose
// cost must not grow with the tenant, and Create and Get.
func BenchmarkStoretest(b *testing.B) {
	storetest.Bench(b, func(tb testing.TB) store.Store { return seeded{newStore(tb).(*sqlite.Store)} })
}

// BenchmarkCreateLogged is the reference server's write: a Create, then
// its provisioning log entry (two writes), from 1 and 32 goroutines.
func BenchmarkCreateLogged(b *testing.B) {
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("Clients/%d", clients), func(b *testing.B) {
			s := newStore(b).(*sqlite.Store)
			ctx := context.Background()
			storetest.Clients(b, clients, "creates/s", func(i int) error {
				start := time.Now()
				u := storetest.TypicalUser(i)
				r, err := s.Create(ctx, "t1", storetest.UserType(), u)
				if err != nil {
					return err
				}
				_, err = s.Append(ctx, store.ProvisioningEntry{Tenant: "t1", TokenID: "tok1", IdP: "okta",
					RequestID: fmt.Sprint("req", i), Method: "POST", Path: "/Users", UserAgent: "Okta SCIM Client 1.0.0",
					ContentType: "application/scim+json", ResourceType: "User", ResourceID: r.ID, ExternalID: r.ExternalID,
					Outcome: store.OutcomeSuccess, Status: 201, Latency: time.Since(start), Version: r.Meta.Version,
					Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + fmt.Sprint(u.Attrs["userName"]) + `"}`})
				return err
			})
		})
	}
}

// BenchmarkAppend appends provisioning entries alone from 1 and 32
// goroutines.
func BenchmarkAppend(b *testing.B) {
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("Clients/%d", clients), func(b *testing.B) {
			s := newStore(b).(*sqlite.Store)
			ctx := context.Background()
			storetest.Clients(b, clients, "appends/s", func(i int) error {
				_, err := s.Append(ctx, store.ProvisioningEntry{Tenant: "t1", TokenID: "tok1", IdP: "okta",
					RequestID: fmt.Sprint("req", i), Method: "POST", Path: "/Users", UserAgent: "Okta SCIM Client 1.0.0",
					ContentType: "application/scim+json", ResourceType: "User", ResourceID: fmt.Sprint("id", i),
					Outcome: store.OutcomeSuccess, Status: 201, Latency: time.Millisecond, Version: `W/"1"`,
					Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user` + fmt.Sprint(i) + `"}`})
				return err
			})
		})
	}
}
