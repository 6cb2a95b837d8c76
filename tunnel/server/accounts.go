package server

import (
	"errors"
	"fmt"

	"github.com/httpmw/httpmw/internal/clientip"
)

// Per-account limits: one token must not be able to hold the server's
// memory, file descriptors or port range by opening sessions and tunnels
// without end (Config.MaxSessionsPerAccount, MaxTunnelsPerAccount,
// MaxTCPPortsPerAccount). The client sees the refusal and its limit in
// AuthResp.Error or NewTunnel.Error.

// Errors for the per-account limits; their text goes to the client.
var (
	ErrTooManySessions       = errors.New("too many sessions for this account")
	ErrTooManyAccountTunnels = errors.New("too many tunnels for this account")
	ErrTooManyTCPTunnels     = errors.New("too many tcp tunnels for this account")
)

// usage is what one account (or one anonymous address) holds. Guarded by
// Server.mu.
type usage struct {
	sessions, tunnels, tcp int
}

// quotaKey is what the limits count against: the account, except that
// anonymous clients (Config.AllowAnonymous) all share one account name and
// are counted per address block instead, as the guess limiter counts them.
func (s *Server) quotaKey(account, remote string) string {
	if account != "anonymous" || !s.cfg.AllowAnonymous {
		return "account " + account
	}
	if p, ok := guesserKey(remote); ok {
		return "anonymous " + p.String()
	}
	return "anonymous " + clientip.Host(remote)
}

// usageOf returns key's usage, creating it; s.mu is held.
func (s *Server) usageOf(key string) *usage {
	if s.usage == nil {
		s.usage = map[string]*usage{}
	}
	u := s.usage[key]
	if u == nil {
		u = &usage{}
		s.usage[key] = u
	}
	return u
}

// forget drops key's usage once it holds nothing; s.mu is held.
func (s *Server) forget(key string) {
	if u := s.usage[key]; u != nil && *u == (usage{}) {
		delete(s.usage, key)
	}
}

// admitSession counts c against its account's sessions, unless that
// would pass the limit. A session that takes over a live one of the same
// client (replacing) may: it ends that one. s.mu is held.
func (s *Server) admitSession(c, replacing *control) error {
	u := s.usageOf(c.quota)
	n := u.sessions
	if replacing != nil && replacing.quota == c.quota {
		n--
	}
	if max := s.cfg.MaxSessionsPerAccount; max > 0 && n >= max {
		s.forget(c.quota)
		return s.quotaRefusal(ErrTooManySessions, max, c)
	}
	u.sessions++
	c.counted = true
	return nil
}

// releaseSession undoes admitSession when c ends; s.mu is held.
func (s *Server) releaseSession(c *control) {
	if !c.counted {
		return
	}
	c.counted = false
	s.usageOf(c.quota).sessions--
	s.forget(c.quota)
}

// tcpLeft refuses a tcp tunnel before a port is bound for it when the
// account has used all its ports; register checks again.
func (s *Server) tcpLeft(c *control) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usageOf(c.quota)
	defer s.forget(c.quota)
	if max := s.cfg.MaxTCPPortsPerAccount; max > 0 && u.tcp >= max {
		return s.quotaRefusal(ErrTooManyTCPTunnels, max, c)
	}
	return nil
}

// chargeTunnel counts t against its account, unless that would pass a
// limit; s.mu is held. unroute gives it back through refundTunnel.
func (s *Server) chargeTunnel(c *control, t *tunnel) error {
	u := s.usageOf(c.quota)
	if max := s.cfg.MaxTunnelsPerAccount; max > 0 && u.tunnels >= max {
		s.forget(c.quota)
		return s.quotaRefusal(ErrTooManyAccountTunnels, max, c)
	}
	if max := s.cfg.MaxTCPPortsPerAccount; t.proto == "tcp" && max > 0 && u.tcp >= max {
		s.forget(c.quota)
		return s.quotaRefusal(ErrTooManyTCPTunnels, max, c)
	}
	u.tunnels++
	if t.proto == "tcp" {
		u.tcp++
	}
	return nil
}

// refundTunnel undoes chargeTunnel; s.mu is held.
func (s *Server) refundTunnel(t *tunnel) {
	if t.ctl == nil {
		return
	}
	u := s.usageOf(t.ctl.quota)
	u.tunnels--
	if t.proto == "tcp" {
		u.tcp--
	}
	s.forget(t.ctl.quota)
}

// quotaRefusal is the error a client gets for reaching a limit; it is
// logged at most once a second, since a client may retry in a loop.
func (s *Server) quotaRefusal(err error, limit int, c *control) error {
	if s.log != nil {
		s.logEvery(&s.quotaLog, "account limit reached", "account", c.account, "err", err.Error(), "limit", limit, "remote", c.ip)
	}
	return fmt.Errorf("%w (limit %d); close one and retry", err, limit)
}
