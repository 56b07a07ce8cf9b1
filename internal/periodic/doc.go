// Package periodic runs a function in the background at a fixed interval
// until stopped: the upkeep loops of scimkit's stores (outbox pruning) in
// one place.
package periodic
