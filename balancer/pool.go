package balancer

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/textproto"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNoUpstream is returned by Acquire when every upstream is out of
// rotation, full (MaxConns), or in the avoid list. A proxy answers 503.
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
// at random. It returns ErrNoUpstream when nothing can be picked.
func (p *Pool) Acquire(r *http.Request, avoid []*Host) (*Host, error) {
	v := p.current()
	if len(v.up) == 0 {
		return nil, ErrNoUpstream
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
	if p.passive.MaxFails < 0 || !p.failed(rep) {
		return
	}
	if h.recordFail(p.now(), &p.passive) {
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
	var changed []*Host
	var states []bool
	for _, h := range p.hosts {
		ok := h.healthy(now)
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
