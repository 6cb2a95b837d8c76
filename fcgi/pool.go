package fcgi

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// pool holds the connections to one endpoint: at most MaxConns open, the
// idle ones kept alive for the next request.
//
// Idle connections are reused last-in, first-out. php-fpm ties a worker to
// every kept-alive connection, so under a light load LIFO keeps a few
// connections busy and lets the others age past IdleTimeout and close,
// handing their workers back to whoever else uses that php-fpm.
type pool struct {
	network, address string
	s                *settings
	dialer           net.Dialer

	slots   chan struct{} // one token per open connection, idle or busy
	notify  chan struct{} // capacity 1: a connection went idle
	handoff chan *conn    // unbuffered: a connection passed straight to a waiting request

	mu     sync.Mutex
	idle   []*conn     // oldest first; taken from the end
	reaper *time.Timer // closes connections idle past IdleTimeout
	closed bool
}

func newPool(network, address string, s *settings) *pool {
	return &pool{
		network: network, address: address, s: s,
		dialer:  net.Dialer{Timeout: s.DialTimeout},
		slots:   make(chan struct{}, s.MaxConns),
		notify:  make(chan struct{}, 1),
		handoff: make(chan *conn),
	}
}

// get returns an idle connection or dials a new one once a slot is free,
// waiting at most ReadTimeout. With fresh set it always dials, closing an
// idle connection if that is what frees a slot: for a retry, or a request
// that must not ride a connection that may be closing.
func (p *pool) get(ctx context.Context, fresh bool) (*conn, error) {
	var timer *time.Timer
	for {
		if c := p.takeIdle(); c != nil {
			if !fresh {
				return c, nil
			}
			_ = c.close()
			return p.dial(ctx) // in the idle connection's slot
		}
		select {
		case p.slots <- struct{}{}:
			return p.dial(ctx)
		default:
		}
		// Every slot is busy: wait for one, the slow path.
		if timer == nil {
			timer = waitTimer(p.s.ReadTimeout)
			defer waitTimers.Put(timer)
			defer timer.Stop()
		}
		select {
		case c := <-p.handoff:
			if !fresh {
				return c, nil
			}
			_ = c.close()
			return p.dial(ctx) // in the handed connection's slot
		case <-p.notify:
		case p.slots <- struct{}{}:
			return p.dial(ctx)
		case <-timer.C:
			return nil, fmt.Errorf("%w: no free connection within %v", ErrTimeout, p.s.ReadTimeout)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// takeIdle pops the most recently used idle connection that is still fit
// for use, closing those that are not.
func (p *pool) takeIdle() *conn {
	for {
		p.mu.Lock()
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			return nil
		}
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		more := n > 1
		p.mu.Unlock()
		if more {
			p.signal() // another waiter may take the next one
		}
		idle := time.Since(c.idleSince)
		if idle < p.s.IdleTimeout && c.br.Buffered() == 0 && (idle < peekAfter || c.alive()) {
			return c
		}
		p.discard(c)
	}
}

// peekAfter is how long a connection must have been idle before takeIdle
// looks at its socket (alive, one system call). A busy pool hands
// connections back and forth within microseconds, where the look would
// find nothing on almost every request; a connection that did die in that
// moment costs a GET one resend (try) and never carries a POST, which
// always takes a fresh connection. The look pays off for connections that
// sat idle through a php-fpm restart.
const peekAfter = 2 * time.Millisecond

func (p *pool) signal() {
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

func (p *pool) dial(ctx context.Context) (*conn, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		<-p.slots
		return nil, ErrClosed
	}
	nc, err := p.dialer.DialContext(ctx, p.network, p.address)
	if err != nil {
		<-p.slots
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return nil, fmt.Errorf("%w: dial: %w", ErrTimeout, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return newConn(nc, p.s), nil
}

// put returns a connection whose last request ended cleanly.
func (p *pool) put(c *conn) {
	c.idleSince = time.Now()
	c.reused = true
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.discard(c)
		return
	}
	// A request waiting for a connection (the pool is saturated) gets
	// this one directly: one wakeup, no trip through the idle list and
	// its checks, which a connection that just finished cleanly passes.
	select {
	case p.handoff <- c:
		p.mu.Unlock()
		return
	default:
	}
	p.idle = append(p.idle, c)
	if p.reaper == nil {
		p.reaper = time.AfterFunc(p.s.IdleTimeout, p.reap)
	}
	p.mu.Unlock()
	p.signal()
}

// discard closes a connection that must not be reused and frees its slot.
func (p *pool) discard(c *conn) {
	_ = c.close()
	<-p.slots
}

// reap closes connections idle past IdleTimeout, freeing the php-fpm
// workers they hold, and rearms itself while any stay idle.
func (p *pool) reap() {
	p.mu.Lock()
	p.reaper = nil
	if p.closed {
		p.mu.Unlock()
		return
	}
	// The oldest are first: idleSince grows along the slice.
	n := 0
	for n < len(p.idle) && time.Since(p.idle[n].idleSince) >= p.s.IdleTimeout {
		n++
	}
	stale := make([]*conn, n)
	copy(stale, p.idle[:n])
	p.idle = append(p.idle[:0], p.idle[n:]...)
	if len(p.idle) > 0 {
		next := p.s.IdleTimeout - time.Since(p.idle[0].idleSince)
		p.reaper = time.AfterFunc(max(next, time.Millisecond), p.reap)
	}
	p.mu.Unlock()
	for _, c := range stale {
		p.discard(c)
	}
}

// close closes the idle connections; busy ones close when they come back.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	if p.reaper != nil {
		p.reaper.Stop()
		p.reaper = nil
	}
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		p.discard(c)
	}
}

// waitTimers are reused by waits for a free connection, the usual case
// when clients outnumber MaxConns. Since Go 1.23 a stopped timer's channel
// holds no stale tick, so Reset makes it as good as new.
var waitTimers sync.Pool // *time.Timer, stopped

func waitTimer(d time.Duration) *time.Timer {
	if t, ok := waitTimers.Get().(*time.Timer); ok {
		t.Reset(d)
		return t
	}
	return time.NewTimer(d)
}
