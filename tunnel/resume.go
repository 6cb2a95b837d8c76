package tunnel

import (
	"context"
	"crypto/tls"
	"sync/atomic"
)

// Proxy connections and the post-quantum key exchange.
//
// Every public connection costs a fresh TLS connection to the server (unless
// the session multiplexes, see mux.go), and with Go's default hybrid
// X25519MLKEM768 the key exchange is most of what it costs. A TLS 1.3
// connection that resumes a session derives its keys from its own key
// exchange AND from the resumption secret of the session it resumes, which
// goes back to a full handshake with the hybrid exchange (the control
// connection's, to begin with). Someone who records a resumed connection
// and later breaks X25519 still lacks that secret, as long as it stays
// secret. It is not only the client's: the server sealed it into the
// session ticket under its ticket keys, and the ticket crosses the wire in
// the clear of each resumed handshake. So a resumed connection offered
// X25519 alone is as safe as the hybrid exchange only while the server's
// ticket keys are kept from whoever recorded the traffic (crypto/tls
// rotates its automatic keys every day and forgets them after a week; a
// server that sets its own keys decides). Against a server without the
// hybrid exchange nothing changes: its first handshake used X25519 too.
//
// Proxy connections are therefore offered X25519 alone, which takes about
// a third off the CPU of a new public connection. One that does not resume
// is closed before it has carried a byte and dialed again with the full
// exchange, so no traffic rests on X25519 alone without the resumption
// secret. One whose X25519-only handshake fails (a server that insists on
// the hybrid exchange, say) is dialed again with the full configuration,
// and once that works the session stops trying X25519 alone.
// Config.DisableX25519Resume turns all this off: every proxy connection
// then offers the full configuration (and still resumes when it can).

// resumeConfig is full restricted to X25519, for proxy connections; nil
// when the caller chose the key exchange or turned resumption off.
func resumeConfig(full *tls.Config, disabled bool) *tls.Config {
	if disabled || full.CurvePreferences != nil || full.SessionTicketsDisabled || full.ClientSessionCache == nil {
		return nil
	}
	r := full.Clone() // shares the session cache with full
	r.CurvePreferences = []tls.CurveID{tls.X25519}
	return r
}

// resumeState remembers that X25519 alone does not work with this server.
type resumeState struct {
	refused atomic.Bool
}

// dialProxyConn dials a proxy connection, resuming with X25519 alone when
// the session cache holds a session to resume (see above), and falling back
// to the full configuration when that fails or does not resume.
func (s *Session) dialProxyConn(ctx context.Context) (*tls.Conn, error) {
	if s.resumeTLS == nil || s.resume.refused.Load() || !s.canResume() {
		return s.dial(ctx, s.tls)
	}
	c, err := s.dial(ctx, s.resumeTLS)
	if err == nil && c.ConnectionState().DidResume {
		return c, nil
	}
	if err == nil {
		c.Close() // the server declined the session (its ticket keys changed, say)
	} else if ctx.Err() != nil {
		return nil, err
	}
	c, err2 := s.dial(ctx, s.tls)
	if err2 == nil && err != nil {
		// X25519 alone failed where the full configuration works: the
		// server refuses it, so stop wasting a handshake on it.
		s.log.Debug("tunnel: the server refuses X25519 alone; proxy connections use the full key exchange", "err", err)
		s.resume.refused.Store(true)
	}
	return c, err2
}

// canResume reports whether the cache holds a session for the server,
// under the key crypto/tls uses when ServerName is set (tlsConfig always
// sets it). Against a server that issues no tickets it stays false, and no
// handshake is wasted on X25519.
func (s *Session) canResume() bool {
	_, ok := s.tls.ClientSessionCache.Get(s.tls.ServerName)
	return ok
}
