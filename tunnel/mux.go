package tunnel

import (
	"context"
	"fmt"
	"time"

	"github.com/xtaci/smux"

	"github.com/httpmw/httpmw/tunnel/internal/muxconn"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// Multiplexed proxy streams (an httpmw extension; the handshake is in
// internal/wire/mux.go). The 1.7 protocol costs every public connection a
// TLS connection from the client to the server. When both ends are httpmw
// and neither turned it off (Config.DisableMux, server.Config.DisableMux),
// the client instead keeps one more TLS connection beside the control
// connection, and the server opens an smux stream on it per public
// connection, starting with StartProxy as a proxy connection does. Against
// a 1.7 server nothing changes: it ignores the offer, and the session uses
// proxy connections.
//
// The multiplexed connection lives and dies with the control connection:
// when either ends, both are closed and the session reconnects as usual;
// streams in flight end at once (their reads and writes fail), so a public
// client sees its connection closed or a 502, never a hang. The server's
// smux keepalive watches it for silent death (see muxConfig). The streams have their own flow
// control (smux protocol version 2), so one slow reader stalls only its
// own stream.

// muxConfig is the client's side of the multiplexed connection. The
// client sends keepalives every PingInterval for the server (which ends a
// session that goes silent, and whose NAT mappings they keep), but does
// not time the server out on them: tunnel/server starts its side of the
// session only with the first public connection, so an idle session
// brings the client nothing. The control connection's Ping and Pong tell
// the client the server is alive; the server's keepalive finds a
// multiplexed connection that died on its own, and ends the control
// connection with it.
func (c *Config) muxConfig() *smux.Config {
	return muxconn.Config(muxconn.Limits{
		StreamWindow:      512 << 10, // as tunnel/server's defaults
		SessionBuffer:     8 << 20,
		KeepAliveInterval: c.PingInterval,
		KeepAliveTimeout:  muxNoTimeout,
	})
}

// muxNoTimeout is a keepalive timeout that never comes (smux has no
// setting for sending keepalives without timing the peer out).
const muxNoTimeout = 100 * 365 * 24 * time.Hour

// muxOffer is what Auth.Mux says.
func (c *Config) muxOffer() string {
	if c.DisableMux {
		return ""
	}
	return wire.MuxSmux
}

// openMux dials the multiplexed connection for ctl, registers it with
// RegMux and starts accepting the streams the server opens on it.
func (s *Session) openMux(ctx context.Context, ctl *control) error {
	conn, err := s.dial(ctx, s.tls)
	if err != nil {
		return err
	}
	conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	if err := wire.Write(conn, &wire.RegMux{ClientId: ctl.clientID}); err != nil {
		conn.Close()
		return fmt.Errorf("tunnel: send RegMux: %w", timeout(err))
	}
	conn.SetWriteDeadline(time.Time{})
	sess, err := smux.Client(muxconn.Wrap(conn, s.cfg.WriteTimeout), s.cfg.muxConfig())
	if err != nil {
		conn.Close()
		return err
	}
	if !ctl.attachMux(sess) {
		sess.Close()
		return fmt.Errorf("%w: %w", errControlLost, ctl.err)
	}
	s.wg.Add(1)
	go s.acceptStreams(ctl, sess)
	return nil
}

// attachMux ties sess to the control connection, so that closing one
// closes the other; false when the control is already finished.
func (c *control) attachMux(sess *smux.Session) bool {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	if c.stopped {
		return false
	}
	c.mux = sess
	return true
}

// acceptStreams hands each stream the server opens to its tunnel's
// Listener until the multiplexed connection ends, which ends the control
// connection too (and so starts a reconnect).
func (s *Session) acceptStreams(ctl *control, sess *smux.Session) {
	defer s.wg.Done()
	for {
		st, err := sess.AcceptStream()
		if err != nil {
			ctl.close(fmt.Errorf("tunnel: multiplexed connection: %w", err))
			return
		}
		s.wg.Add(1)
		go s.stream(st)
	}
}

// stream reads a stream's StartProxy and delivers it as a Conn.
func (s *Session) stream(st *smux.Stream) {
	defer s.wg.Done()
	st.SetReadDeadline(time.Now().Add(s.cfg.ReplyTimeout))
	m, err := wire.Read(st, 0)
	if err != nil {
		s.log.Debug("tunnel: stream ended before StartProxy", "err", err)
		st.Close()
		return
	}
	st.SetReadDeadline(time.Time{})
	sp, ok := m.(*wire.StartProxy)
	if !ok {
		s.log.Warn("tunnel: ignoring a stream that did not start with StartProxy", "type", m.Type())
		st.Close()
		return
	}
	l := s.route(sp.Url)
	if l == nil {
		s.log.Warn("tunnel: connection for a tunnel not served here", "url", sp.Url)
		st.Close()
		return
	}
	l.deliver(newConn(st, sp, l))
}
