package balancer

import (
	"cmp"
	"container/heap"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/textproto"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNoUpstream is returned by Acquire when no upstream can be picked:
// each is down by an active check, full (MaxConns), or in the avoid list.
// Upstreams that passive checks alone took out are still picked when
// nothing else is left (see Acquire). A proxy answers 503.
var ErrNoUpstream = errors.New("balancer: no upstream available")

// Pool balances requests over a set of upstreams. It is safe for concurrent
// use. Acquire an upstream, use it, and Release it with a Report of how it
// went; Close the Pool to stop its active health checks.
type Pool struct {
	policy     Policy
	passive    PassiveCheck
	active     ActiveCheck
	hashHeader string // canonical form, for a map lookup without allocating
	cookieName string
	onChange   func(*Host, bool)

	hosts    []*Host
	byCookie map[string]*Host
	start    time.Time

	view atomic.Pointer[view]
	mu   sync.Mutex // serializes view rebuilds
	next atomic.Uint64
	lc   leastConn

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	client    *http.Client // the health probe client
	ownClient bool
}

// New validates c and returns a Pool with every upstream in rotation. If
// c.Active asks for checks, their first round starts at once, in a
// goroutine that Close stops.
func New(c Config) (*Pool, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	p := &Pool{
		policy:     c.Policy,
		passive:    c.Passive,
		active:     c.Active,
		cookieName: c.CookieName,
		onChange:   c.OnStateChange,
		byCookie:   make(map[string]*Host, len(c.Upstreams)),
		start:      time.Now(),
	}
	if p.policy == "" {
		p.policy = PolicyRandom
	}
	if c.HashHeader != "" {
		p.hashHeader = textproto.CanonicalMIMEHeaderKey(c.HashHeader)
	}
	if p.cookieName == "" {
		p.cookieName = defaultCookieName
	}
	if p.passive.MaxFails == 0 {
		p.passive.MaxFails = 1
	}
	if p.passive.FailWindow == 0 {
		p.passive.FailWindow = defaultFailWindow
	}
	if len(c.Upstreams) == 1 {
		p.passive.MaxFails = -1 // see PassiveCheck
	}
	secret := []byte(c.CookieSecret)
	if len(secret) == 0 {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret) // crypto/rand.Read never fails (Go 1.24+)
	}
	for i, u := range c.Upstreams {
		a, _ := ParseAddr(u.Addr) // validated above
		h := &Host{pool: p, index: i, raw: u.Addr, addr: a, weight: int64(max(u.Weight, 1)), maxConns: int64(u.MaxConns), heapIdx: -1}
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(a.String()))
		h.cookie = hex.EncodeToString(mac.Sum(nil)[:16])
		h.up.Store(true)
		p.hosts = append(p.hosts, h)
		p.byCookie[h.cookie] = h
	}
	p.rebuild(false)

	if c.Active.Path != "" || c.Active.Check != nil {
		if p.active.Interval == 0 {
			p.active.Interval = defaultInterval
		}
		if p.active.Timeout == 0 {
			p.active.Timeout = defaultTimeout
		}
		p.client = c.Active.Client
		if p.client == nil {
			p.client, p.ownClient = newProbeClient(), true
		}
		ctx, cancel := context.WithCancel(context.Background())
		p.stop, p.done = cancel, make(chan struct{})
		go p.runActive(ctx)
	}
	return p, nil
}

// Close stops active health checks and waits for them to return. The Pool
// still picks upstreams afterwards, on the health known at Close.
func (p *Pool) Close() error {
	p.closeOnce.Do(func() {
		if p.stop != nil {
			p.stop()
			<-p.done
		}
		if p.ownClient {
			p.client.CloseIdleConnections()
		}
	})
	return nil
}

// Hosts returns the upstreams in configured order. The slice is shared:
// do not modify it.
func (p *Pool) Hosts() []*Host { return p.hosts }

// Policy is the policy in effect.
func (p *Pool) Policy() Policy { return p.policy }

// Report tells Release how the use of an upstream went, for passive checks.
type Report struct {
	// Failed is true when the upstream could not be reached, or broke the
	// exchange (refused, reset, timed out). Leave it false when the client
	// went away: that is no fault of the upstream.
	Failed bool
	// Status is the response status, 0 if none came.
	Status int
	// Latency is the time until the response header, 0 if unknown.
	Latency time.Duration
}

// Acquire picks an upstream for r by the Pool's policy and counts a
// connection to it; Release it exactly once when done. Upstreams in avoid
// are not picked: pass those already tried, so that a retry goes elsewhere.
// r may be nil for callers without a request; the hashing policies then pick
// at random.
//
// When no upstream is in rotation but some are out by passive checks
// alone, Acquire picks one of those anyway, as nginx does when all its
// upstreams are marked down: the one whose failure is oldest, ignoring the
// policy. A backend that was restarted is then used at once rather than
// after FailWindow. While nothing is in rotation, a failure reported for
// such an upstream restarts its time out (so the next pick goes to another
// one) and a success puts it back in rotation. Upstreams down by an active
// check are never picked. It returns ErrNoUpstream when nothing can be
// picked.
func (p *Pool) Acquire(r *http.Request, avoid []*Host) (*Host, error) {
	v := p.current()
	if len(v.up) == 0 {
		return p.acquireSpare(v, avoid)
	}
	var h *Host
	if p.policy == PolicyLeastConn {
		h = p.lc.acquire(avoid)
	} else {
		h = p.pick(v, r, avoid)
	}
	if h == nil {
		return nil, ErrNoUpstream
	}
	return h, nil
}

// Release ends a use of h begun by Acquire and applies the passive checks
// to rep. A host taken out of rotation is reported to OnStateChange.
func (p *Pool) Release(h *Host, rep Report) {
	if p.policy == PolicyLeastConn {
		p.lc.release(h)
	} else {
		h.conns.Add(-1)
	}
	if p.passive.MaxFails < 0 {
		return
	}
	if !p.failed(rep) {
		// A success of a host picked as a spare (see Acquire) ends its
		// time out. Outside that case a success changes nothing: it may
		// come from a request begun before the host failed.
		if du := h.downUntil.Load(); du != 0 && len(p.view.Load().up) == 0 && du > p.now() {
			h.forgive()
			p.rebuild(false)
		}
		return
	}
	if h.recordFail(p.now(), &p.passive, len(p.view.Load().up) == 0) {
		p.rebuild(false)
	}
}

func (p *Pool) failed(rep Report) bool {
	if rep.Failed {
		return true
	}
	if p.passive.UnhealthyLatency > 0 && rep.Latency > p.passive.UnhealthyLatency {
		return true
	}
	for _, s := range p.passive.UnhealthyStatus {
		if s == rep.Status {
			return true
		}
	}
	return false
}

// now is the Pool's monotonic clock in nanoseconds.
func (p *Pool) now() int64 { return int64(time.Since(p.start)) }

// current returns the view to pick from, rebuilding it first when a host
// taken out by passive checks is due back.
func (p *Pool) current() *view {
	v := p.view.Load()
	if v.recoverAt != 0 && p.now() >= v.recoverAt {
		p.rebuild(true)
		v = p.view.Load()
	}
	return v
}

// rebuild recomputes the view from each host's health. With lazy set it
// gives up when another rebuild holds the lock: that one will do.
func (p *Pool) rebuild(lazy bool) {
	if lazy {
		if !p.mu.TryLock() {
			return
		}
	} else {
		p.mu.Lock()
	}
	now := p.now()
	up := make([]*Host, 0, len(p.hosts))
	var recoverAt int64
	var changed, spare []*Host
	var states []bool
	for _, h := range p.hosts {
		ok := h.healthy(now)
		if !ok && !h.activeDown.Load() {
			spare = append(spare, h)
		}
		if du := h.downUntil.Load(); !ok && !h.activeDown.Load() && (recoverAt == 0 || du < recoverAt) {
			recoverAt = du
		}
		if ok != h.up.Load() {
			h.up.Store(ok)
			changed = append(changed, h)
			states = append(states, ok)
		}
		if ok {
			up = append(up, h)
		}
	}
	v := newView(up, p.policy)
	v.recoverAt = recoverAt
	if len(up) == 0 {
		// Oldest failure first; ties in configured order.
		slices.SortStableFunc(spare, func(a, b *Host) int { return cmp.Compare(a.downUntil.Load(), b.downUntil.Load()) })
		v.spare = spare
	}
	p.view.Store(v)
	if p.policy == PolicyLeastConn {
		p.lc.reset(up)
	}
	p.mu.Unlock()
	if p.onChange != nil {
		for i, h := range changed {
			p.onChange(h, states[i])
		}
	}
}

// acquireSpare picks, when no host is in rotation, the first of v.spare
// that is not avoided or full: usually the first, so O(1).
func (p *Pool) acquireSpare(v *view, avoid []*Host) (*Host, error) {
	if p.policy == PolicyLeastConn {
		// A host may have joined the heap since v was loaded: its load
		// changes under the heap's lock, and the heap is told.
		p.lc.mu.Lock()
		defer p.lc.mu.Unlock()
	}
	for _, h := range v.spare {
		if h.tryAcquire(avoid) {
			if p.policy == PolicyLeastConn && h.heapIdx >= 0 {
				heap.Fix(&p.lc.h, h.heapIdx)
			}
			return h, nil
		}
	}
	return nil, ErrNoUpstream
}
