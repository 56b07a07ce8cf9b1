package postgres_test

import (
	"testing"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/postgres"
	"github.com/scimkit/scimkit/store/storetest"
)

func TestAdmin(t *testing.T) {
	storetest.RunAdmin(t, func(t *testing.T) store.Store { return open(t, postgres.Config{}) })
}
