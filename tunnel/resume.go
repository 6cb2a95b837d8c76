package tunnel

import (
	"context"
	"crypto/tls"
)

// Proxy connections and the post-quantum key exchange.
//
// Every public connection costs a fresh TLS connection to the server, and
// with Go's default hybrid X25519MLKEM768 the key exchange is most of what
// it costs. But a TLS 1.3 connection that resumes a session derives its
// keys from its own key exchange AND from the session's secret, and that
// secret goes back to a full handshake with the hybrid exchange (the
// control connection's, to begin with). Someone who records a resumed
// connection and later breaks X25519 still lacks that secret, so the
// resumed connection keeps the post-quantum protection of the first one.
// (A server without the hybrid exchange used X25519 for the first one
// too, so against it nothing changes.)
//
// Proxy connections are therefore offered X25519 alone, which takes about
// a third off the CPU of a new public connection. One that does not resume
// is closed before it has carried a byte and dialed again with the full
// exchange, so no traffic ever rests on X25519 alone.

// resumeConfig is full restricted to X25519, for proxy connections; nil
// when the caller chose the key exchange or turned resumption off.
func resumeConfig(full *tls.Config) *tls.Config {
	if full.CurvePreferences != nil || full.SessionTicketsDisabled || full.ClientSessionCache == nil {
		return nil
	}
	r := full.Clone() // shares the session cache with full
	r.CurvePreferences = []tls.CurveID{tls.X25519}
	return r
}

// dialProxyConn dials a proxy connection, resuming with X25519 alone when
// the session cache holds a session to resume (see above).
func (s *Session) dialProxyConn(ctx context.Context) (*tls.Conn, func() error, error) {
	if s.resumeTLS == nil || !s.canResume() {
		return s.dial(ctx, s.tls)
	}
	c, release, err := s.dial(ctx, s.resumeTLS)
	if err != nil || c.ConnectionState().DidResume {
		return c, release, err
	}
	c.Close() // the server declined the session (its ticket keys changed, say)
	return s.dial(ctx, s.tls)
}

// canResume reports whether the cache holds a session for the server,
// under the key crypto/tls uses when ServerName is set (tlsConfig always
// sets it). Against a server that issues no tickets it stays false, and no
// handshake is wasted on X25519.
func (s *Session) canResume() bool {
	_, ok := s.tls.ClientSessionCache.Get(s.tls.ServerName)
	return ok
}
