package server

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// addrSlots counts connections per address block (an IPv4 address, an
// IPv6 /64, as guesserKey) against a per-block limit, so that one address
// cannot hold every slot of a shared limit. Only blocks with a connection
// open have an entry, so its size is bounded by the connections open.
type addrSlots struct {
	max int // 0: no limit
	mu  sync.Mutex
	n   map[netip.Prefix]int
}

func newAddrSlots(max int) *addrSlots {
	return &addrSlots{max: max, n: map[netip.Prefix]int{}}
}

// acquire takes a slot for addr's block; ok is false when the block is at
// its limit. Release key (the zero Prefix for an address that cannot be
// parsed, which is never limited) when the connection ends.
func (a *addrSlots) acquire(addr net.Addr) (key netip.Prefix, ok bool) {
	key, parsed := guesserKey(addr.String())
	if !parsed || a.max <= 0 {
		return netip.Prefix{}, true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n[key] >= a.max {
		return netip.Prefix{}, false
	}
	a.n[key]++
	return key, true
}

func (a *addrSlots) release(key netip.Prefix) {
	if !key.IsValid() {
		return
	}
	a.mu.Lock()
	if a.n[key]--; a.n[key] <= 0 {
		delete(a.n, key)
	}
	a.mu.Unlock()
}

// burstLog logs a repeated event (a refused connection) at most once per
// burstLogEvery: the first of a burst at once, the rest as one line with
// their count when the next one comes after the interval. A flood of
// refusals thus costs a line a minute, not a line each.
type burstLog struct {
	last       atomic.Int64 // unix nanoseconds of the last line
	suppressed atomic.Int64 // events since the last line
}

const burstLogEvery = time.Minute

// note counts one event and reports whether to log it, with how many
// events the line stands for (this one and those suppressed before it).
func (b *burstLog) note() (log bool, count int64) {
	n := b.suppressed.Add(1)
	now := time.Now().UnixNano()
	prev := b.last.Load()
	if prev != 0 && now-prev < int64(burstLogEvery) || !b.last.CompareAndSwap(prev, now) {
		return false, 0
	}
	b.suppressed.Add(-n)
	return true, n
}
