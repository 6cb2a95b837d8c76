package testhttp

import (
	"net"
	"testing"
	"time"
)

// Patience is how long WaitFor waits: long enough for a loaded CI
// machine, since a condition that holds returns at once.
const Patience = 30 * time.Second

// WaitFor polls cond until it holds, failing the test after Patience: for
// state that changes on a server's own goroutines with no event to wait
// on from outside.
func WaitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not reached in %v", Patience)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// FreeAddr is a loopback address with a port that was free a moment ago,
// for a program that takes its address as a flag.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
