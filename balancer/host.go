package balancer

import (
	"context"
	"sync"
	"sync/atomic"
)

// Host is one upstream of a Pool at run time: its address, its load and its
// health. Hosts are made by New and live as long as their Pool.
type Host struct {
	pool     *Pool
	index    int
	raw      string
	addr     Addr
	weight   int64
	maxConns int64
	cookie   string // the sticky cookie value naming this host

	conns      atomic.Int64
	activeDown atomic.Bool  // the last active check failed
	downUntil  atomic.Int64 // passive: out of rotation until this pool time (ns)
	up         atomic.Bool  // in the current view; written under pool.mu

	failMu    sync.Mutex // passive failure window
	fails     int
	windowEnd int64

	// least_conn bookkeeping, guarded by pool.lc.mu.
	heapIdx  int
	lastPick uint64
}

// Addr is the upstream's parsed address.
func (h *Host) Addr() Addr { return h.addr }

// String is the address as configured.
func (h *Host) String() string { return h.raw }

// Index is the upstream's position in Config.Upstreams.
func (h *Host) Index() int { return h.index }

// Weight is the upstream's effective weight (at least 1).
func (h *Host) Weight() int { return int(h.weight) }

// MaxConns is the cap on connections in use, 0 for none.
func (h *Host) MaxConns() int { return int(h.maxConns) }

// Conns is the number of connections acquired and not yet released.
func (h *Host) Conns() int { return int(h.conns.Load()) }

// Healthy reports whether the upstream is in rotation: its last active
// check passed (or none ran) and passive checks have not taken it out.
func (h *Host) Healthy() bool { return h.up.Load() }

// healthy computes what Healthy will say after the next view rebuild.
func (h *Host) healthy(now int64) bool {
	return !h.activeDown.Load() && h.downUntil.Load() <= now
}

// tryAcquire counts one more connection unless h is in avoid or full.
func (h *Host) tryAcquire(avoid []*Host) bool {
	for _, a := range avoid {
		if a == h {
			return false
		}
	}
	if h.maxConns == 0 {
		h.conns.Add(1)
		return true
	}
	for {
		c := h.conns.Load()
		if c >= h.maxConns {
			return false
		}
		if h.conns.CompareAndSwap(c, c+1) {
			return true
		}
	}
}

// recordFail counts a passive failure at time now and reports whether it
// took the host out of rotation, or (with spare set: nothing is in
// rotation, so h was picked as a spare) restarted its time out, which
// sends the next spare pick to another host.
func (h *Host) recordFail(now int64, p *PassiveCheck, spare bool) bool {
	h.failMu.Lock()
	defer h.failMu.Unlock()
	if spare && h.downUntil.Load() > now {
		h.downUntil.Store(now + int64(p.FailWindow))
		return true
	}
	if now >= h.windowEnd {
		h.fails, h.windowEnd = 0, now+int64(p.FailWindow)
	}
	h.fails++
	if h.fails < p.MaxFails || h.downUntil.Load() > now {
		return false
	}
	h.fails = 0
	h.downUntil.Store(now + int64(p.FailWindow))
	return true
}

// forgive clears passive failures after an active check passed.
func (h *Host) forgive() {
	h.failMu.Lock()
	h.fails = 0
	h.failMu.Unlock()
	h.downUntil.Store(0)
}

type hostKey struct{}

// ContextWithHost returns ctx carrying h. The Pool's health probes carry
// their Host this way, so a Transport's DialContext can find where to dial
// (a unix socket, say) with HostFromContext.
func ContextWithHost(ctx context.Context, h *Host) context.Context {
	return context.WithValue(ctx, hostKey{}, h)
}

// HostFromContext returns the Host that ContextWithHost put in ctx, or nil.
func HostFromContext(ctx context.Context) *Host {
	h, _ := ctx.Value(hostKey{}).(*Host)
	return h
}
