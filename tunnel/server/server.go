package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server is an ngrokd-compatible tunnel server. Make one with New, run it
// with Serve, stop it with Close.
type Server struct {
	cfg     Config
	log     *slog.Logger
	ca      *DevCA // nil when Config.TLSConfig was given
	tlsConf *tls.Config

	tunnelLn net.Listener
	httpLn   net.Listener
	httpsLn  net.Listener
	httpSrv  *http.Server
	httpsSrv *http.Server

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	wgMu     sync.Mutex
	stopping bool
	serving  atomic.Bool
	closing  sync.Once
	closed   chan struct{}

	unauth          *addrSlots // unauthenticated tunnel connections per address
	tunnelRefusals  burstLog
	writeTimeoutLog burstLog
	failed          error // why the server stopped itself; guarded by mu

	// pending bounds tunnel connections that have not authenticated yet.
	pending   chan struct{}
	public    publicLimit
	headerLog atomic.Int64 // last "no request head" log, for logEvery
	active    activeSet
	stats     counters
	guesses   *guessLimiter

	mu        sync.Mutex
	controls  map[string]*control      // live sessions by client id
	resumable map[string]*resumeRecord // ended sessions a client may resume
	tunnels   map[string]*tunnel       // by URL
	routes    map[string]*tunnel       // "scheme://host[:port]" -> tunnel
	names     nameIndex                // live names, for their subdomains (names.go)
	usage     map[string]*usage        // per account (accounts.go)
	reserved  map[string]string        // Config.Reservations, normalized
	quotaLog  atomic.Int64             // last "account limit reached" log
}

// maxPendingTunnelConns bounds handshakes in progress on the tunnel port,
// so a flood of half-open TLS connections cannot exhaust memory; each one
// also expires after Config.AuthTimeout.
const maxPendingTunnelConns = 1024

// resumeWindow is how long a client may resume an ended session (same
// ClientId, same account) and get its random names and ports back.
const resumeWindow = 10 * time.Minute

// New validates cfg and binds the listeners, so the addresses are known
// before Serve runs. Close releases them.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		closed:    make(chan struct{}),
		pending:   make(chan struct{}, maxPendingTunnelConns),
		controls:  map[string]*control{},
		resumable: map[string]*resumeRecord{},
		tunnels:   map[string]*tunnel{},
		routes:    map[string]*tunnel{},
	}
	s.public.max = int64(cfg.MaxPublicConns)
	reserved, err := normalizeReservations(cfg.Reservations, cfg.Domain)
	if err != nil {
		return nil, err
	}
	s.reserved = reserved
	s.guesses = newGuessLimiter(max(cfg.MaxAuthFailures, 0), cfg.AuthFailureWindow)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.public.perAddr = newAddrSlots(cfg.MaxPublicConnsPerAddr)
	s.unauth = newAddrSlots(cfg.MaxUnauthConnsPerAddr)
	if err := s.setupTLS(); err != nil {
		return nil, err
	}
	if err := s.listen(); err != nil {
		s.closeListeners()
		return nil, err
	}
	return s, nil
}

// ListenAndServe is New followed by Serve.
func ListenAndServe(ctx context.Context, cfg Config) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	return s.Serve(ctx)
}

func (s *Server) setupTLS() error {
	if s.cfg.TLSConfig != nil {
		s.tlsConf = s.cfg.TLSConfig.Clone()
		return nil
	}
	ca := s.cfg.DevCA
	if ca == nil {
		var err error
		if ca, err = NewDevCA(); err != nil {
			return err
		}
	}
	cert, err := ca.Issue(s.cfg.Domain)
	if err != nil {
		return err
	}
	s.ca = ca
	// A certificate per name asked for (devleaf.go), Issue's as fallback.
	s.tlsConf = &tls.Config{GetCertificate: ca.GetCertificateFunc(s.servesName, &cert)}
	return nil
}

func (s *Server) listen() error {
	var err error
	if s.tunnelLn, err = net.Listen("tcp", s.cfg.TunnelAddr); err != nil {
		return err
	}
	if s.cfg.HTTPAddr != "" {
		ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
		if err != nil {
			return err
		}
		s.httpLn = &limitListener{Listener: ln, s: s, retry: acceptRetry{s: s, what: "public http"}}
		s.httpSrv = s.newHTTPServer("http")
	}
	if s.cfg.HTTPSAddr != "" {
		ln, err := net.Listen("tcp", s.cfg.HTTPSAddr)
		if err != nil {
			return err
		}
		conf := s.tlsConf.Clone()
		if s.cfg.GetCertificate != nil {
			conf.GetCertificate = s.cfg.GetCertificate
		}
		// HTTP/1.1 only: the tunnel carries HTTP/1.x to the local service.
		conf.NextProtos = []string{"http/1.1"}
		s.httpsLn = tls.NewListener(&limitListener{Listener: ln, s: s, retry: acceptRetry{s: s, what: "public https"}}, conf)
		s.httpsSrv = s.newHTTPServer("https")
	}
	return nil
}

// TunnelAddr is the bound address clients connect to.
func (s *Server) TunnelAddr() net.Addr { return s.tunnelLn.Addr() }

// HTTPAddr is the bound public http address, nil when disabled.
func (s *Server) HTTPAddr() net.Addr { return addrOf(s.httpLn) }

// HTTPSAddr is the bound public https address, nil when disabled.
func (s *Server) HTTPSAddr() net.Addr { return addrOf(s.httpsLn) }

// RootCAs returns a pool that verifies the server's certificate when the
// server made its own development CA (Config.TLSConfig nil), else nil.
func (s *Server) RootCAs() *x509.CertPool {
	if s.ca == nil {
		return nil
	}
	return s.ca.Pool()
}

// CA returns the development CA the server made, nil when
// Config.TLSConfig was given.
func (s *Server) CA() *DevCA { return s.ca }

func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

// ErrServing is returned by a second call to Serve.
var ErrServing = errors.New("server: Serve already called")

// Serve accepts connections until ctx ends or Close is called, then shuts
// down gracefully and returns nil. A listener that fails for good (an
// accept error other than a temporary one, which is retried) stops the
// server too, and Serve returns that error.
func (s *Server) Serve(ctx context.Context) error {
	if !s.serving.CompareAndSwap(false, true) {
		return ErrServing
	}
	select {
	case <-s.closed:
		return nil
	default:
	}
	s.log.Info("tunnel server listening", "tunnel", s.TunnelAddr().String(), "http", str(s.HTTPAddr()), "https", str(s.HTTPSAddr()), "domain", s.cfg.Domain)
	s.goFunc(s.acceptTunnels)
	if s.httpSrv != nil {
		s.goFunc(func() { s.serveHTTP(s.httpSrv, s.httpLn) })
	}
	if s.httpsSrv != nil {
		s.goFunc(func() { s.serveHTTP(s.httpsSrv, s.httpsLn) })
	}
	select {
	case <-ctx.Done():
	case <-s.ctx.Done():
	}
	s.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// serveHTTP serves one public listener. Its error after Close began is
// the listener closing, not a failure.
func (s *Server) serveHTTP(srv *http.Server, ln net.Listener) {
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && s.ctx.Err() == nil {
		s.fail(fmt.Errorf("public listener %s failed: %w", ln.Addr(), err))
	}
}

// fail stops the server because of err, which Serve then returns.
func (s *Server) fail(err error) {
	s.log.Error("server stopping", "err", err)
	s.mu.Lock()
	if s.failed == nil {
		s.failed = err
	}
	s.mu.Unlock()
	s.cancel()
}

// Close stops the listeners, lets requests in flight finish for up to
// Config.ShutdownTimeout, closes every tunnel and waits for the server's
// goroutines. It is safe to call more than once.
func (s *Server) Close() error {
	s.closing.Do(func() {
		s.wgMu.Lock()
		s.stopping = true
		s.wgMu.Unlock()
		s.cancel()
		close(s.closed)
		s.closeListeners()
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		defer cancel()
		for _, srv := range []*http.Server{s.httpSrv, s.httpsSrv} {
			if srv != nil {
				if err := srv.Shutdown(ctx); err != nil {
					srv.Close()
				}
			}
		}
		s.mu.Lock()
		controls := make([]*control, 0, len(s.controls))
		for _, c := range s.controls {
			controls = append(controls, c)
		}
		s.mu.Unlock()
		for _, c := range controls {
			c.close("server closing")
		}
		s.active.closeAll()
	})
	s.wg.Wait()
	return nil
}

func (s *Server) closeListeners() {
	for _, ln := range []net.Listener{s.tunnelLn, s.httpLn, s.httpsLn} {
		if ln != nil {
			ln.Close()
		}
	}
}

// goFunc runs f on a goroutine that Close waits for. Once Close has
// begun it runs nothing and returns false.
func (s *Server) goFunc(f func()) bool {
	s.wgMu.Lock()
	defer s.wgMu.Unlock()
	if s.stopping {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

func str(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
