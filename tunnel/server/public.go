package server

import (
	"context"
	"crypto/tls"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

type connKey struct{}

// newHTTPServer serves one public listener. net/http parses every request
// head of a keep-alive connection, so routing, basic auth and the
// X-Forwarded headers apply to each request, not just the first.
func (s *Server) newHTTPServer(scheme string) *http.Server {
	return &http.Server{
		Handler:           &publicHandler{s: s, scheme: scheme},
		ReadHeaderTimeout: s.cfg.HeaderReadTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ErrorLog:          log.New(slogWriter{s.log}, "", 0),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		// HTTP/2 is not offered: the tunnel carries HTTP/1.x.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ConnState:    s.publicConnState,
	}
}

// publicConnState logs connections that net/http closes on its own
// timeouts, which it does silently: no request head within
// HeaderReadTimeout (slowloris, idle connects), or idle past IdleTimeout.
func (s *Server) publicConnState(c net.Conn, state http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	pc, ok := c.(*publicConn)
	if !ok {
		return
	}
	switch state {
	case http.StateIdle:
		pc.idleSince.Store(time.Now().UnixNano())
	case http.StateClosed:
		if pc.requests.Load() == 0 && time.Since(pc.opened) >= s.cfg.HeaderReadTimeout {
			n := s.stats.headerTimeouts.Add(1)
			s.logEvery(&s.headerLog, "public connection closed: no request head within HeaderReadTimeout",
				"timeout", s.cfg.HeaderReadTimeout, "remote", pc.RemoteAddr().String(), "total", n)
		} else if idle := pc.idleSince.Load(); idle != 0 && time.Since(time.Unix(0, idle)) >= s.cfg.IdleTimeout {
			s.log.Debug("public connection closed: idle", "timeout", s.cfg.IdleTimeout, "remote", pc.RemoteAddr().String())
		}
	}
}

// publicConnOf finds the *publicConn under a request's connection.
func publicConnOf(ctx context.Context) *publicConn {
	c, _ := ctx.Value(connKey{}).(net.Conn)
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	pc, _ := c.(*publicConn)
	return pc
}

// route finds the tunnel for a Host header (and, on https, the SNI name):
// the exact host with port first, then the host without its port.
func (s *Server) route(scheme, host, sni string) *tunnel {
	host = strings.ToLower(host)
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.routes[scheme+"://"+host]; t != nil {
		return t
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		if t := s.routes[scheme+"://"+h]; t != nil {
			return t
		}
	}
	if host == "" && sni != "" {
		return s.routes[scheme+"://"+strings.ToLower(sni)]
	}
	return nil
}

// slogWriter sends net/http's own error log (TLS handshake errors and the
// like) to the structured logger at debug level: a public client's
// mistakes are not the operator's problem.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Debug("public listener", "msg", strings.TrimSpace(string(p)))
	return len(p), nil
}
