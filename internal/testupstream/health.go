package testupstream

import (
	"fmt"
	"testing"
	"time"
)

// Change is an upstream's health state change: its address and whether it
// is healthy now.
type Change struct {
	Addr    string
	Healthy bool
}

// WatchHealth returns a hook for balancer.Config.OnStateChange (H is
// *balancer.Host) and the channel it reports on. The channel holds 256
// changes; more are dropped rather than blocking the balancer.
func WatchHealth[H fmt.Stringer]() (func(H, bool), <-chan Change) {
	ch := make(chan Change, 256)
	return func(h H, healthy bool) {
		select {
		case ch <- Change{h.String(), healthy}:
		default:
		}
	}, ch
}

// AwaitChange waits up to 10 s for addr to become healthy (or not) on ch,
// skipping other changes.
func AwaitChange(t testing.TB, ch <-chan Change, addr string, healthy bool) {
	t.Helper()
	want := Change{Addr: addr, Healthy: healthy}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case c := <-ch:
			if c == want {
				return
			}
		case <-timeout:
			t.Fatalf("no state change %+v within 10s", want)
		}
	}
}
