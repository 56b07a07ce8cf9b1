//go:build race

package sqlite

// raceOn shrinks the randomized block tests under the race detector, which
// slows the (transpiled C) SQLite engine about 25 times.
const raceOn = true
