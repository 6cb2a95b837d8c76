package tunnel

import (
	"context"
	"errors"
)

// serverAddr is the tunnel address in use: Server, or one of Servers
// once reconnect attempts have moved on (Config.Servers).
func (s *Session) serverAddr() string {
	n := len(s.cfg.Servers) + 1
	i := int(s.addrIdx.Load() % int64(n))
	if i == 0 {
		return s.cfg.Server
	}
	return s.cfg.Servers[i-1]
}

// nextServer makes the next reconnect attempt use the next address.
func (s *Session) nextServer() {
	if len(s.cfg.Servers) > 0 {
		s.addrIdx.Add(1)
	}
}

// establishFirst is the first establish of a session: an address that
// cannot be reached (not one that refuses) moves on to the next of
// Servers, each tried once.
func (s *Session) establishFirst(ctx context.Context) (*control, error) {
	for i := 0; ; i++ {
		ctl, err := s.establish(ctx)
		var refused *AuthError
		if err == nil || i >= len(s.cfg.Servers) || errors.As(err, &refused) || ctx.Err() != nil {
			return ctl, err
		}
		s.log.Warn("tunnel: server unreachable; trying the next", "server", s.serverAddr(), "err", err)
		s.nextServer()
	}
}
