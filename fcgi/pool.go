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
type pool struct {
	network, address string
	s                *settings
	dialer           net.Dialer

	slots chan struct{} // one token per open connection, idle or busy
	idle  chan *conn    // kept-alive connections, oldest first

	mu     sync.Mutex
	reaper *time.Timer // closes connections idle past IdleTimeout
	closed bool
}

func newPool(network, address string, s *settings) *pool {
	return &pool{
		network: network, address: address, s: s,
		dialer: net.Dialer{Timeout: s.DialTimeout},
		slots:  make(chan struct{}, s.MaxConns),
		idle:   make(chan *conn, s.MaxConns),
	}
}

// get returns an idle connection or dials a new one once a slot is free,
// waiting at most ReadTimeout. With fresh set it dials, closing an idle
// connection if that is what frees a slot: a retry wants a connection
// that cannot have gone stale.
func (p *pool) get(ctx context.Context, fresh bool) (*conn, error) {
	for {
		if c := p.takeIdle(); c != nil {
			if !fresh {
				return c, nil
			}
			_ = c.close()
			return p.dial(ctx) // reuse the idle connection's slot
		}
		select {
		case p.slots <- struct{}{}:
			return p.dial(ctx)
		default:
		}
		// Every slot is busy: wait for one, the slow path.
		t := time.NewTimer(p.s.ReadTimeout)
		select {
		case c := <-p.idle:
			t.Stop()
			if c = p.check(c); c != nil {
				if !fresh {
					return c, nil
				}
				_ = c.close()
				return p.dial(ctx)
			}
		case p.slots <- struct{}{}:
			t.Stop()
			return p.dial(ctx)
		case <-t.C:
			return nil, fmt.Errorf("%w: no free connection within %v", ErrTimeout, p.s.ReadTimeout)
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}

func (p *pool) takeIdle() *conn {
	for {
		select {
		case c := <-p.idle:
			if c = p.check(c); c != nil {
				return c
			}
		default:
			return nil
		}
	}
}

// check returns c if it is still fit to use, else closes it and frees its slot.
func (p *pool) check(c *conn) *conn {
	if time.Since(c.idleSince) < p.s.IdleTimeout && c.alive() {
		return c
	}
	p.discard(c)
	return nil
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
	defer p.mu.Unlock()
	if p.closed {
		p.discard(c)
		return
	}
	p.idle <- c // never blocks: one slot per connection, as many places
	if p.reaper == nil {
		p.reaper = time.AfterFunc(p.s.IdleTimeout, p.reap)
	}
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
	defer p.mu.Unlock()
	p.reaper = nil
	if p.closed {
		return
	}
	for n := len(p.idle); n > 0; n-- {
		select {
		case c := <-p.idle:
			if time.Since(c.idleSince) >= p.s.IdleTimeout {
				p.discard(c)
				continue
			}
			p.idle <- c
		default:
		}
	}
	if len(p.idle) > 0 {
		p.reaper = time.AfterFunc(p.s.IdleTimeout/2, p.reap)
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
	p.mu.Unlock()
	for {
		select {
		case c := <-p.idle:
			p.discard(c)
		default:
			return
		}
	}
}
