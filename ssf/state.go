package ssf

import "time"

// State is one stored document of States (store.State once main has it).
type State struct {
	Key     string
	Value   []byte
	Version int64
	Updated time.Time
}

// anyVersion as PutState's ifVersion writes whatever version is stored.
const anyVersion int64 = -1
