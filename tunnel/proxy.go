package tunnel

import (
	"net"
	"time"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// dialProxy opens one more proxy connection under ctl in the background,
// unless the session is closed or already has maxProxies of them.
func (s *Session) dialProxy(ctl *control) {
	s.mu.Lock()
	if s.isClosed || s.proxies >= maxProxies {
		s.mu.Unlock()
		return
	}
	s.proxies++
	s.wg.Add(1)
	s.mu.Unlock()
	go s.proxy(ctl)
}

// proxy registers a proxy connection, waits for the server to hand it a
// public connection with StartProxy, and gives it to the tunnel's Listener.
func (s *Session) proxy(ctl *control) {
	defer s.wg.Done()
	idle := true
	defer func() {
		if idle {
			s.mu.Lock()
			s.proxies--
			s.mu.Unlock()
		}
	}()
	conn, err := s.dialProxyConn(s.ctx)
	if err != nil {
		s.log.Debug("tunnel: proxy connection failed", "err", err)
		return
	}
	if !ctl.track(conn) {
		conn.Close()
		return
	}
	sp, err := s.register(ctl, conn)
	ctl.untrack(conn)
	if err != nil {
		conn.Close()
		return
	}
	l := s.route(sp.Url)
	if l == nil {
		s.log.Warn("tunnel: connection for a tunnel not served here", "url", sp.Url)
		conn.Close()
		return
	}
	s.mu.Lock()
	s.proxies--
	idle = false
	s.mu.Unlock()
	l.deliver(newConn(conn, sp, l))
}

// register sends RegProxy and waits, without a deadline, for StartProxy.
func (s *Session) register(ctl *control, conn net.Conn) (*wire.StartProxy, error) {
	conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	if err := wire.Write(conn, &wire.RegProxy{ClientId: ctl.clientID}); err != nil {
		return nil, err
	}
	conn.SetWriteDeadline(time.Time{})
	m, err := wire.Read(conn, 0)
	if err != nil {
		// The server closes pooled connections it does not want (too many,
		// stale, a restart): routine.
		s.log.Debug("tunnel: proxy connection ended before use", "err", err)
		return nil, err
	}
	sp, ok := m.(*wire.StartProxy)
	if !ok {
		s.log.Warn("tunnel: ignoring a proxy connection that did not start with StartProxy", "type", m.Type())
		return nil, ErrProtocol
	}
	return sp, nil
}
