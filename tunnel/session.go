package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
)

// Session is one authenticated control connection to an ngrokd server and
// the proxy connections under it. Several Listeners may share a Session: the
// server names the tunnel on each proxy connection, and the session hands
// the connection to that tunnel's Listener.
//
// A Session survives the loss of its control connection: it reconnects with
// backoff, presents its previous client id so that the server gives the same
// URLs back, and registers every open Listener's tunnel again. Accept calls
// see nothing of it; connections in flight may be lost.
type Session struct {
	cfg       Config
	tls       *tls.Config
	resumeTLS *tls.Config // for proxy connections: see resume.go
	resume    resumeState
	log       *slog.Logger

	ctx     context.Context // cancelled by Close: interrupts dials
	cancel  context.CancelFunc
	closed  chan struct{}
	once    sync.Once
	stopCtx func() bool // detaches the caller's ctx
	wg      sync.WaitGroup

	reqMu sync.Mutex // one ReqTunnel exchange at a time on the control connection

	mu        sync.Mutex
	isClosed  bool
	err       error         // why the session ended: a permanent refusal; nil for Close
	ctl       *control      // nil while reconnecting
	up        chan struct{} // closed when ctl is set; replaced when it goes down
	clientID  string        // a bearer credential: never logged
	listeners []*Listener
	routes    map[string]*Listener // public URL -> listener
	proxies   int                  // proxy connections dialing or idle

	addrIdx atomic.Int64 // which of Server and Servers is in use (servers.go)
}

// Dial authenticates with the server at cfg.Server and returns a Session
// with no tunnel yet; add them with Session.Listen. cfg.Endpoint is ignored.
// A refusal from the server is an *AuthError.
//
// ctx bounds the whole session, not only the dial: cancelling it closes the
// session as Close does.
func Dial(ctx context.Context, cfg Config) (*Session, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Session{
		cfg:    cfg,
		tls:    cfg.tlsConfig(),
		log:    cfg.Logger,
		closed: make(chan struct{}),
		up:     make(chan struct{}),
		routes: map[string]*Listener{},
	}
	s.resumeTLS = resumeConfig(s.tls, cfg.DisableX25519Resume)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	ctl, err := s.establishFirst(ctx)
	if err != nil {
		s.cancel()
		s.wg.Wait()
		return nil, err
	}
	s.wg.Add(1)
	go s.supervise(ctl)
	stop := context.AfterFunc(ctx, func() { s.Close() })
	s.mu.Lock()
	s.stopCtx = stop // under mu: a ctx already done runs Close at once
	s.mu.Unlock()
	return s, nil
}

// Close closes the control connection, the idle proxy connections and every
// Listener of the session, whose pending and later Accepts return
// net.ErrClosed. Connections already accepted stay open here, but the
// server ends them with the session; on a multiplexed session they are
// streams of its connection and end with it at once. Close waits for the
// session's goroutines to end; it returns nil.
func (s *Session) Close() error {
	s.stop(nil)
	s.wg.Wait()
	return nil
}

// Err is why the session ended by itself: a permanent refusal (wrapping
// ErrRefused) on a reconnect. It is nil while the session runs and after
// Close.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// stop ends the session for reason err (nil: Close) without waiting for
// its goroutines, so that they may call it. The first call wins.
func (s *Session) stop(err error) {
	s.once.Do(func() {
		s.mu.Lock()
		s.isClosed = true
		s.err = err
		close(s.closed)
		ctl, stopCtx := s.ctl, s.stopCtx
		s.mu.Unlock()
		s.cancel()
		if ctl != nil {
			ctl.close(net.ErrClosed)
		}
		if stopCtx != nil {
			stopCtx()
		}
	})
}

func (s *Session) emit(e Event) {
	if s.cfg.OnEvent != nil {
		s.cfg.OnEvent(e)
	}
}

// current waits until the session has a control connection.
func (s *Session) current(ctx context.Context) (*control, error) {
	for {
		s.mu.Lock()
		ctl, up, closed := s.ctl, s.up, s.isClosed
		s.mu.Unlock()
		switch {
		case closed:
			return nil, net.ErrClosed
		case ctl != nil:
			return ctl, nil
		}
		select {
		case <-up:
		case <-s.closed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Listen asks the server for the tunnel ep describes and returns its
// Listener. A refusal from the server is a *TunnelError. While the session
// is reconnecting, Listen waits for it, within ctx.
//
// Closing the Listener stops its Accepts; the protocol has no way to give a
// tunnel back, so the server keeps its URL until the session ends, and
// connections to it are refused.
func (s *Session) Listen(ctx context.Context, ep Endpoint) (*Listener, error) {
	if err := ep.validate("Endpoint"); err != nil {
		return nil, err
	}
	return s.listen(ctx, ep.withDefaults())
}

func (s *Session) listen(ctx context.Context, ep Endpoint) (*Listener, error) {
	for {
		// Wait for a control connection without holding reqMu: a
		// reconnect needs it to register the other listeners' tunnels.
		ctl, err := s.current(ctx)
		if err != nil {
			return nil, err
		}
		l, err := s.listenOn(ctx, ctl, ep)
		if err == nil || ctx.Err() != nil || !errors.Is(err, errControlLost) {
			return l, err
		}
		// The connection dropped while asking: ask again after the
		// reconnect. (A server that does not answer in time is an error.)
		s.log.Debug("tunnel: control connection lost during ReqTunnel; retrying", "err", err)
	}
}

func (s *Session) listenOn(ctx context.Context, ctl *control, ep Endpoint) (*Listener, error) {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	urls, err := s.request(ctx, ctl, ep)
	if err != nil {
		return nil, err
	}
	l := newListener(s, ep)
	s.mu.Lock()
	if s.isClosed {
		s.mu.Unlock()
		return nil, net.ErrClosed
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	s.assign(l, urls)
	return l, nil
}

// assign routes urls to l, replacing the URLs it had.
func (s *Session) assign(l *Listener, urls []string) {
	s.mu.Lock()
	select {
	case <-l.closed: // closed while a reconnect asked for its tunnel
		s.mu.Unlock()
		return
	default:
	}
	old := l.setURLs(urls)
	for _, u := range old {
		if s.routes[u] == l {
			delete(s.routes, u)
		}
	}
	known := map[string]bool{}
	for _, u := range old {
		known[u] = true
	}
	for _, u := range urls {
		s.routes[u] = l
	}
	s.mu.Unlock()
	for _, u := range urls {
		if !known[u] {
			s.log.Info("tunnel: serving", "url", u)
			s.emit(Event{Kind: EventTunnel, URL: u})
		}
	}
}

// forget removes a closed listener so that reconnects no longer ask for
// its tunnel.
func (s *Session) forget(l *Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.listeners {
		if x == l {
			s.listeners = append(s.listeners[:i], s.listeners[i+1:]...)
			break
		}
	}
	for u, x := range s.routes {
		if x == l {
			delete(s.routes, u)
		}
	}
}

func (s *Session) route(url string) *Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.routes[url]
}

// dial opens a TLS connection to the server.
func (s *Session) dial(ctx context.Context, conf *tls.Config) (*tls.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.DialTimeout)
	defer cancel()
	addr := s.serverAddr()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err == nil {
		c := tls.Client(raw, conf)
		if err = c.HandshakeContext(ctx); err == nil {
			return c, nil
		}
		c.Close()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("tunnel: dial %s: %w", addr, ErrTimeout)
	}
	return nil, fmt.Errorf("tunnel: dial %s: %w", addr, err)
}
