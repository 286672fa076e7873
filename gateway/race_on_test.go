//go:build race

package gateway

// raceEnabled: the race detector maps shadow memory, so an address-space
// limit would stop it rather than the code under test.
const raceEnabled = true
