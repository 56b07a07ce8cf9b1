package sqlite_test

import (
	"testing"

	"github.com/scimkit/scimkit/store"
	"github.com/scimkit/scimkit/store/storetest"
)

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newStore(t) })
}

func TestSuiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return newMemoryStore(t) })
}

func TestDeliveries(t *testing.T) {
	storetest.RunDeliveries(t, func(t *testing.T) store.Store { return newStore(t) })
}

func TestTombstones(t *testing.T) {
	storetest.RunTombstones(t, func(t *testing.T) store.Store { return newStore(t) })
}

func TestEncodedRenders(t *testing.T) {
	storetest.RunEncodedRenders(t, func(t *testing.T) store.Store { return newStore(t) })
}
