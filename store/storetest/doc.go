// Package storetest is the shared test suite of scimkit store backends:
// the definition of a correct store.Store.
//
// A backend's test calls Run with a factory that returns a fresh, isolated
// store for each call (its own database or schema, closed with t.Cleanup):
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			s := memory.New()
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Subtests call t.Parallel, so the factory must be safe for concurrent use.
// Bench runs the shared benchmarks the same way.
//
// The suite pins the semantics the store.Store contract leaves to the
// backends; they are listed in the documentation of Run. Its "Agreement"
// group pins the behaviour decided for divergences once seen between
// backends (issue 11).
//
// Differential (and DifferentialBytes, for fuzzing) is the proof that
// backends agree beyond the suite's fixed cases: it replays generated
// sequences of store operations on several stores at once and compares
// every answer. Its entry point, which imports the backends, is
// internal/storediff.
package storetest
