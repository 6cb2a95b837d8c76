package server

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"
)

// Headers a server of a cluster sets on a public request it forwards to
// the server holding the tunnel. They are read only on connections that
// ServeForwarded serves, which the caller authenticated as another
// server's; public listeners never trust them.
const (
	// ForwardedClientHeader is the public client's address, host:port.
	ForwardedClientHeader = "X-Httpmw-Node-Client"
	// ForwardedProtoHeader is the public listener's scheme, http or https.
	ForwardedProtoHeader = "X-Httpmw-Node-Proto"
)

// ServeForwarded serves, until ln is closed or the server closes, the
// public requests other servers of a cluster forward over ln, with TLS
// by conf, which must authenticate the peers as servers of the cluster
// (package tunnel/server/cluster requires their certificates: mutual
// TLS). Each request is served by this server's own tunnels, with the
// client address and scheme from its headers, and is never forwarded
// again: a name not held here is 502.
func (s *Server) ServeForwarded(ln net.Listener, conf *tls.Config) error {
	if conf == nil || conf.ClientAuth != tls.RequireAndVerifyClientCert {
		ln.Close()
		return errors.New("server: ServeForwarded: conf must require and verify client certificates")
	}
	srv := s.newHTTPServer("")
	srv.Handler = &publicHandler{s: s, fromNode: true}
	lln := tls.NewListener(&nodeListener{Listener: ln, s: s, retry: acceptRetry{s: s, what: "node"}}, conf)
	started := s.goFunc(func() {
		if err := srv.Serve(lln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("node listener failed", "addr", ln.Addr().String(), "err", err)
		}
	})
	if !started {
		ln.Close()
		return net.ErrClosed
	}
	stopper := func() {
		<-s.ctx.Done()
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
		}
	}
	if !s.goFunc(stopper) {
		srv.Close()
	}
	return nil
}

// forwardedBy takes a forwarded request's client address and scheme from
// its headers, which it removes; "" when they are missing or malformed.
func forwardedBy(r *http.Request) (scheme string) {
	client, proto := r.Header.Get(ForwardedClientHeader), r.Header.Get(ForwardedProtoHeader)
	r.Header.Del(ForwardedClientHeader)
	r.Header.Del(ForwardedProtoHeader)
	if proto != "http" && proto != "https" {
		return ""
	}
	host, _, err := net.SplitHostPort(client)
	if err != nil || net.ParseIP(host) == nil {
		return ""
	}
	r.RemoteAddr = client
	return proto
}

// nodeListener accepts connections of other nodes. They count against
// MaxPublicConns, since each carries public requests, but not per
// address: a few node addresses carry every forwarded client.
type nodeListener struct {
	net.Listener
	s     *Server
	retry acceptRetry
}

func (l *nodeListener) Accept() (net.Conn, error) {
	for {
		c, err := l.retry.accept(l.Listener, l.s.closed)
		if err != nil {
			return nil, err
		}
		if !l.s.public.acquire() {
			c.Close()
			l.s.refused(c.RemoteAddr())
			continue
		}
		return &publicConn{Conn: c, s: l.s, opened: time.Now()}, nil
	}
}
