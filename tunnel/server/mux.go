package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/xtaci/smux"

	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/internal/clientip"
	"github.com/httpmw/httpmw/tunnel/internal/muxconn"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// Multiplexed proxy streams (an httpmw extension; see wire/mux.go for the
// handshake). The 1.7 protocol costs every public connection a new TLS
// connection from the client, and its handshake is most of what a new
// public connection costs. A client that offers Auth.Mux instead keeps one
// TLS connection (RegMux) on which the server opens an smux stream per
// public connection, written exactly as a proxy connection would be:
// StartProxy, then the bytes.
//
// xtaci/smux over hashicorp/yamux: on new streams it was 10-15% ahead in
// issue 18's prototype (yamux wrote each frame's header and body as two TLS
// records), and even with it in bench's "mux library" row (one TLS
// connection, a stream per exchange, c8); its session-wide receive buffer
// bounds what one client can make the server hold, where yamux bounds each
// stream's window only; and its streams half-close (CloseWrite). Protocol
// version 2 gives each stream its own window, so one public client that
// reads slowly stalls only its stream.
//
// What a client can make the server hold is bounded: the session's receive
// buffer (smux stops reading the connection when it is full, whatever the
// client sends), the streams the server opens (MuxLimits.MaxStreams), and
// nothing for streams the client opens: that is a protocol violation that
// ends the session. Every write on the connection has Config.WriteTimeout,
// so a client that stops reading fails its session instead of holding the
// server's writers. A session silent past MuxLimits.KeepAliveTimeout is
// closed, and with it the control connection, so that the client
// reconnects; public connections on a closed session fail at once.

// MuxLimits bounds each multiplexed session. Zero fields take the default
// named in their comment.
type MuxLimits struct {
	// MaxStreams bounds the streams open at once on one session; a public
	// connection beyond it gets 502 (http) or is closed (tcp). Default
	// 1024.
	MaxStreams int
	// StreamWindow is the bytes one stream may have in flight toward the
	// server (smux's per-stream buffer). Default 512 KiB: a large
	// download runs at about 0.8x of a connection of its own (bench), and
	// 256 KiB gave about 0.7x.
	StreamWindow int
	// SessionBuffer bounds the bytes the server buffers for all streams of
	// a session together, whatever the client sends; when full it stops
	// reading the connection. Default 8 MiB: 16 public clients that stop
	// reading, each leaving a full window unread, before the session's
	// other streams wait too.
	SessionBuffer int
	// KeepAliveInterval is how often the server sends a keepalive frame.
	// Default 10 s.
	KeepAliveInterval time.Duration
	// KeepAliveTimeout closes a session that brought nothing (the client's
	// keepalives included) for this long. Default Config.PingTimeout.
	KeepAliveTimeout time.Duration
}

func (m MuxLimits) withDefaults(pingTimeout time.Duration) MuxLimits {
	if m.MaxStreams == 0 {
		m.MaxStreams = 1024
	}
	if m.StreamWindow == 0 {
		m.StreamWindow = 512 << 10
	}
	if m.SessionBuffer == 0 {
		m.SessionBuffer = 8 << 20
	}
	if m.KeepAliveInterval == 0 {
		m.KeepAliveInterval = 10 * time.Second
	}
	if m.KeepAliveTimeout == 0 {
		m.KeepAliveTimeout = max(pingTimeout, m.KeepAliveInterval)
	}
	return m
}

// validate checks m as the caller set it. The rules that relate two
// fields compare d, the values once defaulted (a zero KeepAliveTimeout
// becomes at least KeepAliveInterval whatever Config.PingTimeout is).
func (m MuxLimits) validate() error {
	bad := func(field, format string, args ...any) error {
		return cfgerr.New("server", "Config.Mux."+field, format, args...)
	}
	d := m.withDefaults(0)
	switch {
	case m.MaxStreams < 0:
		return bad("MaxStreams", "must not be negative, got %d", m.MaxStreams)
	case m.StreamWindow != 0 && (m.StreamWindow < 16<<10 || m.StreamWindow > 16<<20):
		return bad("StreamWindow", "must be 16 KiB to 16 MiB, got %d", m.StreamWindow)
	case d.SessionBuffer < d.StreamWindow || d.SessionBuffer > 1<<30:
		return bad("SessionBuffer", "must be at least StreamWindow (%d) and at most 1 GiB, got %d", d.StreamWindow, d.SessionBuffer)
	case m.KeepAliveInterval < 0:
		return bad("KeepAliveInterval", "must not be negative, got %v", m.KeepAliveInterval)
	case d.KeepAliveTimeout < d.KeepAliveInterval:
		return bad("KeepAliveTimeout", "must be at least KeepAliveInterval (%v), got %v", d.KeepAliveInterval, d.KeepAliveTimeout)
	}
	return nil
}

func (m MuxLimits) smux() *smux.Config {
	return muxconn.Config(muxconn.Limits{
		StreamWindow:      m.StreamWindow,
		SessionBuffer:     m.SessionBuffer,
		KeepAliveInterval: m.KeepAliveInterval,
		KeepAliveTimeout:  m.KeepAliveTimeout,
	})
}

// errTooManyStreams: a session has MuxLimits.MaxStreams streams open.
var errTooManyStreams = errors.New("server: too many streams open on the client's multiplexed connection")

// muxState is a control's multiplexing: off, negotiated and waiting for
// the client's RegMux, attached, or closed with the control.
//
// The smux session starts with the first public connection, not with
// RegMux: an smux session holds about 70 KiB of its own whatever it
// carries (a 1,024-entry write queue, an accept backlog), which would make
// an idle multiplexed tunnel cost the server about three times what its
// 1.7 pool of proxy connections does. Until then the connection is
// not read; the client's control connection pings show it alive, and
// the client's keepalives wait in the socket.
type muxState struct {
	mu     sync.Mutex
	on     bool
	conn   net.Conn      // the registered connection, until the session starts
	sess   *smux.Session // nil until the first stream
	ready  chan struct{} // closed once conn is set or the state closed
	closed bool
	slots  chan struct{} // one per open stream
}

// negotiate decides on the client's offer and returns what AuthResp.Mux
// says: "" (the 1.7 answer) unless the client offered and the server
// allows it.
func (c *control) negotiate(offer string) string {
	if c.s.cfg.DisableMux {
		return ""
	}
	choice := wire.ChooseMux(offer)
	if choice == "" {
		return ""
	}
	m := &c.mux
	m.mu.Lock()
	m.on = true
	m.ready = make(chan struct{})
	m.slots = make(chan struct{}, c.s.cfg.Mux.MaxStreams)
	m.mu.Unlock()
	return choice
}

func (m *muxState) enabled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.on
}

// attach keeps conn for the session; false when there is one already or
// the control ended.
func (m *muxState) attach(conn net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.on || m.conn != nil || m.sess != nil || m.closed {
		return false
	}
	m.conn = conn
	close(m.ready)
	return true
}

// session returns the smux session, starting it on first use; nil when
// the control ended.
func (c *control) session() *smux.Session {
	m := &c.mux
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess != nil || m.closed || m.conn == nil {
		return m.sess
	}
	sess, err := smux.Server(muxconn.Wrap(m.conn, c.s.cfg.WriteTimeout), c.s.cfg.Mux.smux())
	if err != nil { // the configuration was validated
		return nil
	}
	m.sess, m.conn = sess, nil
	if !c.s.goFunc(func() { c.watchMux(sess) }) {
		sess.Close()
		return nil
	}
	return sess
}

// close ends the session, or the connection not yet used, with the
// control.
func (m *muxState) close() {
	m.mu.Lock()
	sess, conn := m.sess, m.conn
	if m.on && !m.closed && sess == nil && conn == nil {
		close(m.ready)
	}
	m.closed = true
	m.mu.Unlock()
	if sess != nil {
		sess.Close()
	}
	if conn != nil {
		conn.Close()
	}
}

// registerMux attaches a client's multiplexed connection to its session.
func (s *Server) registerMux(conn net.Conn, m *wire.RegMux) {
	remote := conn.RemoteAddr().String()
	s.mu.Lock()
	c := s.controls[m.ClientId]
	s.mu.Unlock()
	if c == nil || !c.mux.enabled() {
		s.log.Info("multiplexed connection refused: unknown client id or not negotiated", "remote", remote)
		conn.Close()
		return
	}
	if s.cfg.bindProxyToIP() && clientip.Host(remote) != c.ip {
		s.log.Warn("multiplexed connection refused: not from its control connection's address", "remote", remote, "client", shortID(c.id))
		conn.Close()
		return
	}
	conn.SetDeadline(time.Time{})
	if !c.mux.attach(conn) {
		s.log.Info("multiplexed connection refused: the session has one or has ended", "client", shortID(c.id))
		conn.Close()
	}
}

// watchMux ends the control when its multiplexed connection ends (a
// keepalive timeout, a broken connection) or the client opens a stream,
// which it never should: every stream is the server's.
func (c *control) watchMux(sess *smux.Session) {
	st, err := sess.AcceptStream()
	if err == nil {
		st.Close()
		c.s.log.Warn("multiplexed connection closed: the client opened a stream", "client", shortID(c.id))
		c.close("protocol violation on the multiplexed connection")
		return
	}
	c.close("multiplexed connection ended: " + err.Error())
}

// openStream is takeProxy for a multiplexed session: a new stream with
// StartProxy and first already written on it.
func (c *control) openStream(msg []byte, cancel <-chan struct{}) (net.Conn, error) {
	m := &c.mux
	timer := time.NewTimer(c.s.cfg.ProxyWaitTimeout)
	defer timer.Stop()
	select {
	case <-m.ready:
	case <-timer.C:
		return nil, ErrNoProxy
	case <-c.done:
		return nil, errClientGone
	case <-cancel:
		return nil, errClientGone
	}
	sess := c.session()
	if sess == nil {
		return nil, errClientGone
	}
	select {
	case m.slots <- struct{}{}:
	default:
		return nil, errTooManyStreams
	}
	st, err := sess.OpenStream()
	if err != nil {
		<-m.slots
		return nil, fmt.Errorf("%w: %w", errClientGone, err)
	}
	ms := &muxStream{Stream: st, slots: m.slots}
	st.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
	if _, err := st.Write(msg); err != nil {
		ms.Close()
		return nil, fmt.Errorf("%w: %w", errClientGone, err)
	}
	st.SetWriteDeadline(time.Time{})
	return ms, nil
}

// muxStream is one stream of a session, holding one of its slots until
// closed.
type muxStream struct {
	*smux.Stream
	slots chan struct{}
	once  sync.Once
}

func (s *muxStream) Close() error {
	err := s.Stream.Close()
	s.once.Do(func() { <-s.slots })
	return err
}

// spliceHalf copies between a public TCP connection and its stream in both
// directions, passing each direction's end on as a half-close, and closes
// both when both directions are done or one fails.
func spliceHalf(pub net.Conn, st *proxyStream, ms *muxStream) {
	fail := func() {
		pub.Close()
		st.close()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := io.Copy(pub, st); err != nil || closeWrite(pub) != nil {
			fail()
		}
	}()
	if _, err := io.Copy(st, pub); err != nil || ms.CloseWrite() != nil {
		fail()
	}
	<-done
	fail()
}

// closeWrite half-closes c (a *publicConn over a TCP connection).
func closeWrite(c net.Conn) error {
	if pc, ok := c.(*publicConn); ok {
		c = pc.Conn
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Close()
}
