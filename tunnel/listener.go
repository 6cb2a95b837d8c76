package tunnel

import (
	"context"
	"net"
	"sync"
)

// Listener is a net.Listener whose connections come through one tunnel of
// a Session. http.Serve(l, h) serves the public URL.
type Listener struct {
	s      *Session
	ep     Endpoint
	owns   bool // Close also closes the session (made by Listen)
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once

	urls []string // guarded by s.mu
	err  error    // guarded by s.mu: why the server ended the tunnel
}

var _ net.Listener = (*Listener)(nil)

// Listen connects to cfg.Server, authenticates, and opens the tunnel that
// cfg.Endpoint describes, on a Session of its own that the Listener's Close
// closes. The server's refusals are an *AuthError or a *TunnelError.
//
// ctx bounds the Listener's whole life, not only the setup: cancelling it
// closes the Listener as Close does.
func Listen(ctx context.Context, cfg Config) (*Listener, error) {
	if err := cfg.Endpoint.validate("Config"); err != nil {
		return nil, err
	}
	ep := cfg.Endpoint.withDefaults()
	s, err := Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	l, err := s.listen(ctx, ep)
	if err != nil {
		s.Close()
		return nil, err
	}
	l.owns = true
	return l, nil
}

func newListener(s *Session, ep Endpoint) *Listener {
	return &Listener{s: s, ep: ep, conns: make(chan net.Conn), closed: make(chan struct{})}
}

// Accept waits for the next public connection. It keeps waiting across
// reconnects; after Close, or the session's Close, it returns an error
// wrapping net.ErrClosed.
//
// When a reconnect gets a refusal that retrying cannot cure (see
// ErrRefused), such as an auth token the server no longer knows or the
// subdomain taken by another client meanwhile, Accept returns an error
// wrapping the server's *AuthError or *TunnelError instead, and so does
// every later call.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
	case <-l.s.closed:
	}
	return nil, &net.OpError{Op: "accept", Net: "tunnel", Addr: l.Addr(), Err: l.failure()}
}

// failure is why Accept ends: the server's refusal of the tunnel or the
// session, even after a later Close (http.Serve closes the listener when
// Accept fails), else net.ErrClosed.
func (l *Listener) failure() error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	switch {
	case l.err != nil:
		return l.err
	case l.s.err != nil:
		return l.s.err
	}
	return net.ErrClosed
}

// fail ends the listener for the server's refusal err: its Accepts return
// it. A Listener made by Listen ends its session too, without waiting: fail
// runs on the session's goroutine.
func (l *Listener) fail(err error) {
	l.once.Do(func() {
		l.s.mu.Lock()
		l.err = err
		l.s.mu.Unlock()
		close(l.closed)
		l.s.forget(l)
	})
	if l.owns {
		l.s.stop(err)
	}
}

// deliver hands c to Accept, or closes it if the listener closes first.
func (l *Listener) deliver(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.closed:
		c.Close()
	case <-l.s.closed:
		c.Close()
	}
}

// Close stops Accept. For a Listener made by Listen it also closes the
// session, and waits for its goroutines to end. Connections already
// accepted stay open.
func (l *Listener) Close() error {
	l.once.Do(func() {
		l.s.mu.Lock()
		if l.s.err == nil { // closed before any refusal: Accept says so
			l.err = net.ErrClosed
		}
		l.s.mu.Unlock()
		close(l.closed)
		l.s.forget(l)
	})
	if l.owns {
		return l.s.Close()
	}
	return nil
}

// Addr returns the tunnel's first public URL as an Addr.
func (l *Listener) Addr() net.Addr { return Addr{URL: l.URL()} }

// URL is the tunnel's public URL; the first one when Protocol names several.
func (l *Listener) URL() string {
	if u := l.URLs(); len(u) > 0 {
		return u[0]
	}
	return ""
}

// URLs are the tunnel's public URLs, one per protocol, in the order the
// server assigned them. They stay the same across reconnects when the
// server gives them back, which ngrokd does for the same client id.
func (l *Listener) URLs() []string {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return append([]string(nil), l.urls...)
}

// Session returns the session the Listener's tunnel belongs to.
func (l *Listener) Session() *Session { return l.s }

// setURLs replaces the URLs and returns the old ones; s.mu is held.
func (l *Listener) setURLs(urls []string) []string {
	old := l.urls
	l.urls = urls
	return old
}
