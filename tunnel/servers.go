package tunnel

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
