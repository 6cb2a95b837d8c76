package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/httpmw/httpmw/internal/clientip"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// acceptTunnels accepts client connections on the tunnel port. Control and
// proxy connections share it; the first frame tells them apart. Temporary
// accept errors are retried (see acceptRetry); a listener that fails for
// good stops the server, so that it does not hold a dead port.
func (s *Server) acceptTunnels() {
	retry := acceptRetry{s: s, what: "tunnel"}
	for {
		c, err := retry.accept(s.tunnelLn, s.closed)
		if err != nil {
			if s.ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.fail(fmt.Errorf("tunnel listener failed: %w", err))
			}
			return
		}
		key, ok := s.unauth.acquire(c.RemoteAddr())
		if !ok {
			c.Close()
			s.refusedTunnel(c.RemoteAddr(), "too many unauthenticated connections from this address", s.cfg.MaxUnauthConnsPerAddr)
			continue
		}
		select {
		case s.pending <- struct{}{}:
		default:
			s.unauth.release(key)
			c.Close()
			s.refusedTunnel(c.RemoteAddr(), "too many handshakes in progress", maxPendingTunnelConns)
			continue
		}
		if !s.goFunc(func() { s.handleTunnelConn(c, key) }) {
			<-s.pending
			s.unauth.release(key)
			c.Close()
		}
	}
}

// refusedTunnel counts a tunnel connection closed before its handshake and
// logs it, one line per burst.
func (s *Server) refusedTunnel(addr net.Addr, why string, limit int) {
	s.stats.refusedTunnel.Add(1)
	if log, n := s.tunnelRefusals.note(); log {
		s.log.Warn("tunnel connections refused: "+why, "limit", limit, "remote", clientip.Host(addr.String()),
			"refused", n, "refused_total", s.stats.refusedTunnel.Load())
	}
}

// handleTunnelConn does the TLS handshake and reads the first frame within
// Config.AuthTimeout, then becomes a control or a proxy connection.
func (s *Server) handleTunnelConn(raw net.Conn, key netip.Prefix) {
	released := false
	release := func() {
		if !released {
			released = true
			<-s.pending
			s.unauth.release(key)
		}
	}
	defer release()
	remote := raw.RemoteAddr().String()
	tc := tls.Server(raw, s.tlsConf)
	start := time.Now()
	tc.SetDeadline(start.Add(min(s.cfg.HandshakeTimeout, s.cfg.AuthTimeout)))
	// Close interrupts a handshake in progress through the active set.
	if !s.active.add(tc) {
		tc.Close()
		return
	}
	defer s.active.remove(tc)
	if err := tc.HandshakeContext(s.ctx); err != nil {
		s.stats.badHandshakes.Add(1)
		s.log.Debug("tunnel connection: TLS handshake failed", "remote", remote, "err", err)
		tc.Close()
		return
	}
	tc.SetDeadline(start.Add(s.cfg.AuthTimeout))
	msg, err := wire.Read(tc, s.cfg.MaxFrame)
	if err != nil {
		s.badFrame(remote, "first frame", err)
		tc.Close()
		return
	}
	release()
	switch m := msg.(type) {
	case *wire.Auth:
		s.active.remove(tc)
		s.serveControl(tc, m)
	case *wire.RegProxy:
		s.active.remove(tc)
		s.registerProxy(tc, m)
	case *wire.RegMux:
		s.active.remove(tc)
		s.registerMux(tc, m)
	default:
		s.log.Warn("tunnel connection: unexpected first message", "remote", remote, "type", msg.Type())
		tc.Close()
	}
}

// badFrame logs and counts a connection closed for a frame it sent.
func (s *Server) badFrame(remote, what string, err error) {
	switch {
	case errors.Is(err, wire.ErrFrameTooLarge), errors.Is(err, wire.ErrBadLength):
		s.stats.badFrames.Add(1)
		s.log.Warn("tunnel connection closed: frame length refused", "remote", remote, "frame", what, "max", s.cfg.MaxFrame, "err", err)
	case isTimeout(err):
		s.stats.badHandshakes.Add(1)
		s.log.Info("tunnel connection closed: timed out", "remote", remote, "frame", what)
	case errors.Is(err, wire.ErrUnknownType), errors.Is(err, wire.ErrNoPayload), isDecodeError(err):
		s.stats.badFrames.Add(1)
		s.log.Warn("tunnel connection closed: bad frame", "remote", remote, "frame", what, "err", err)
	default:
		s.log.Debug("tunnel connection closed", "remote", remote, "frame", what, "err", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isDecodeError(err error) bool {
	return err != nil && len(err.Error()) > 5 && err.Error()[:5] == "wire:"
}

// closing reports whether the session was ended by the server, so that a
// read failing on its closed connection is not logged as the client's.
func (c *control) closing() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}
