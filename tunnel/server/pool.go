package server

import (
	"errors"
	"net"
	"sync"
	"time"

	"github.com/httpmw/httpmw/internal/clientip"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// Every public connection uses up one proxy connection, and every proxy
// connection costs the client a TLS handshake, the dearest part of a new
// public connection. So ReqProxy is sent on demand, not by reflex: the
// original ngrokd asks once when a public connection finds the pool empty
// and once more after it takes a proxy, which under load makes clients
// dial about two connections per public connection and the surplus is
// closed as soon as the pool is full.
//
// Here a session counts the ReqProxy it sent whose proxy connection has not
// arrived yet, and asks only for what the waiting public connections plus
// a small idle reserve still lack.

// proxyReserve is how many idle proxy connections a session tries to keep
// (bounded by Config.MaxPooledProxies), so that a burst of public
// connections does not wait for handshakes.
const proxyReserve = 4

// maxAsked bounds ReqProxy messages in flight per session, whatever the
// number of public connections waiting.
const maxAsked = 32

// askRetry is how long a waiting public connection trusts the ReqProxy
// already sent. A client whose dial failed never answers; after this the
// outstanding requests are forgotten and asked for again.
const askRetry = 2 * time.Second

// proxyDemand is the bookkeeping behind ReqProxy.
type proxyDemand struct {
	mu      sync.Mutex
	asked   int // ReqProxy sent whose proxy connection has not arrived
	waiting int // public connections waiting on an empty pool
}

type pooledProxy struct {
	conn  net.Conn
	since time.Time
}

// askFirst sends the ReqProxy that follows AuthResp, as the original does.
func (c *control) askFirst() {
	if c.send(&wire.ReqProxy{}) {
		c.demand.mu.Lock()
		c.demand.asked++
		c.demand.mu.Unlock()
	}
}

// refill asks for the proxy connections the session lacks: one for each
// waiting public connection and up to the reserve, minus those pooled and
// those already asked for. It never blocks: with the writer's queue full,
// plenty of requests are on their way already.
func (c *control) refill() {
	d := &c.demand
	d.mu.Lock()
	defer d.mu.Unlock()
	reserve := min(proxyReserve, c.s.cfg.MaxPooledProxies)
	need := d.waiting + reserve - len(c.proxies) - d.asked
	need = min(need, maxAsked-d.asked)
	for ; need > 0; need-- {
		select {
		case c.out <- &wire.ReqProxy{}:
			d.asked++
		default:
			return
		}
	}
}

// arrived books a proxy connection against the requests outstanding (a
// client may also dial unasked, as httpmw's client does to fill its pool).
func (c *control) arrived() {
	c.demand.mu.Lock()
	if c.demand.asked > 0 {
		c.demand.asked--
	}
	c.demand.mu.Unlock()
}

// wait marks a public connection as waiting (delta 1) or done waiting (-1).
func (c *control) wait(delta int) {
	c.demand.mu.Lock()
	c.demand.waiting += delta
	c.demand.mu.Unlock()
}

// forgetAsked drops the outstanding requests after askRetry without a
// proxy connection: they are presumed lost.
func (c *control) forgetAsked() {
	c.demand.mu.Lock()
	c.demand.asked = 0
	c.demand.mu.Unlock()
}

// registerProxy pools a proxy connection for the session that owns its id.
func (s *Server) registerProxy(conn net.Conn, m *wire.RegProxy) {
	remote := conn.RemoteAddr().String()
	s.mu.Lock()
	c := s.controls[m.ClientId]
	s.mu.Unlock()
	if c == nil {
		s.log.Info("proxy connection refused: unknown client id", "remote", remote)
		conn.Close()
		return
	}
	if s.cfg.bindProxyToIP() && clientip.Host(remote) != c.ip {
		s.log.Warn("proxy connection refused: not from its control connection's address", "remote", remote, "client", shortID(c.id))
		conn.Close()
		return
	}
	conn.SetDeadline(time.Time{})
	c.arrived()
	select {
	case c.proxies <- &pooledProxy{conn: conn, since: time.Now()}:
		// The control may have ended between the lookup and the send;
		// drain again so the connection is not left in a dead pool.
		select {
		case <-c.done:
			c.drainProxies()
		default:
		}
	default:
		s.log.Info("proxy connection closed: MaxPooledProxies reached", "client", shortID(c.id), "limit", s.cfg.MaxPooledProxies)
		conn.Close()
	}
}

func (c *control) drainProxies() {
	for {
		select {
		case p := <-c.proxies:
			p.conn.Close()
		default:
			return
		}
	}
}

// ErrNoProxy is what a public connection gets when its client provides no
// proxy connection within Config.ProxyWaitTimeout.
var ErrNoProxy = errors.New("server: no proxy connection from the tunnel client")

// errClientGone: the session ended while a public connection waited.
var errClientGone = errors.New("server: tunnel client disconnected")

// takeProxy returns a proxy connection on which StartProxy for t has been
// sent, followed in the same write by first (the stream's first bytes, or
// nil), asking the client for more as the pool runs low.
//
// A StartProxy frame is well under the smallest TLS record Go writes, so
// it still arrives whole in one record, as the stock client needs.
func (c *control) takeProxy(t *tunnel, clientAddr string, cancel <-chan struct{}, first []byte) (net.Conn, error) {
	msg, err := wire.Encode(&wire.StartProxy{Url: t.url, ClientAddr: clientAddr})
	if err != nil {
		return nil, err
	}
	msg = append(msg, first...)
	if c.mux.enabled() {
		return c.openStream(msg, cancel)
	}
	var deadline time.Time
	for attempt := 0; attempt < 20; attempt++ {
		var p *pooledProxy
		select {
		case p = <-c.proxies:
		default:
			if deadline.IsZero() {
				deadline = time.Now().Add(c.s.cfg.ProxyWaitTimeout)
			}
			var err error
			if p, err = c.awaitProxy(deadline, cancel); err != nil {
				return nil, err
			}
		}
		c.refill() // replace the one taken
		if time.Since(p.since) > c.s.cfg.ProxyIdleTimeout {
			p.conn.Close()
			continue
		}
		p.conn.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
		if _, err := p.conn.Write(msg); err != nil {
			p.conn.Close()
			continue
		}
		p.conn.SetWriteDeadline(time.Time{})
		return p.conn, nil
	}
	return nil, ErrNoProxy
}

// awaitProxy waits on an empty pool until deadline, asking again every
// askRetry in case a request was lost.
func (c *control) awaitProxy(deadline time.Time, cancel <-chan struct{}) (*pooledProxy, error) {
	c.wait(1)
	defer c.wait(-1)
	c.refill()
	for {
		wait := min(askRetry, time.Until(deadline))
		if wait <= 0 {
			return nil, ErrNoProxy
		}
		timer := time.NewTimer(wait)
		select {
		case p := <-c.proxies:
			timer.Stop()
			return p, nil
		case <-timer.C:
			c.forgetAsked()
			c.refill()
		case <-c.done:
			timer.Stop()
			return nil, errClientGone
		case <-cancel:
			timer.Stop()
			return nil, errClientGone
		}
	}
}
