package main

import (
	"flag"

	"github.com/httpmw/httpmw/tunnel/server"
)

// limitFlags are the server's per-client limits and timeouts, one flag
// per server.Config field, named after it; 0 keeps the server's default
// and, for the counts, a negative value means no limit. Only the fields
// that flags set are read.
type limitFlags struct{ c server.Config }

func (l *limitFlags) flags(fs *flag.FlagSet) {
	c := &l.c
	fs.IntVar(&c.MaxTunnelsPerClient, "maxTunnelsPerClient", 0, "tunnels per control connection (0: 16)")
	fs.IntVar(&c.MaxSessionsPerAccount, "maxSessionsPerAccount", 0, "live sessions of one account, or of one address for anonymous clients (0: 32)")
	fs.IntVar(&c.MaxTunnelsPerAccount, "maxTunnelsPerAccount", 0, "tunnels of one account over all its sessions (0: 128)")
	fs.IntVar(&c.MaxTCPPortsPerAccount, "maxTCPPortsPerAccount", 0, "tcp tunnels (listening ports) of one account (0: 16)")
	fs.IntVar(&c.MaxPublicConns, "maxPublicConns", 0, "open public connections, http, https and tcp together (0: 4096)")
	fs.IntVar(&c.MaxPublicConnsPerAddr, "maxPublicConnsPerAddr", 0, "public connections of one IPv4 address or IPv6 /64 (0: 256)")
	fs.IntVar(&c.MaxUnauthConnsPerAddr, "maxUnauthConnsPerAddr", 0, "tunnel-port connections of one address before they authenticate (0: 32)")
	fs.IntVar(&c.MaxAuthFailures, "maxAuthFailures", 0, "failed token or basic-auth attempts of one address per minute before it is refused (0: 10)")
	fs.DurationVar(&c.HandshakeTimeout, "handshakeTimeout", 0, "TLS handshake of a tunnel connection (0: 5s)")
	fs.DurationVar(&c.BodyReadTimeout, "bodyReadTimeout", 0, "a public request body that brings no byte for this long is cut (0: 60s)")
	fs.DurationVar(&c.PublicWriteTimeout, "publicWriteTimeout", 0, "a write to a public connection that makes no progress for this long closes it (0: 60s)")
	fs.BoolVar(&c.DisableMux, "disableMux", false, "refuse multiplexed proxy streams: every client gets the 1.7 protocol, one proxy connection per public connection")
}

// apply copies the limits into cfg.
func (l *limitFlags) apply(cfg *server.Config) {
	c := &l.c
	cfg.MaxTunnelsPerClient = c.MaxTunnelsPerClient
	cfg.MaxSessionsPerAccount = c.MaxSessionsPerAccount
	cfg.MaxTunnelsPerAccount = c.MaxTunnelsPerAccount
	cfg.MaxTCPPortsPerAccount = c.MaxTCPPortsPerAccount
	cfg.MaxPublicConns = c.MaxPublicConns
	cfg.MaxPublicConnsPerAddr = c.MaxPublicConnsPerAddr
	cfg.MaxUnauthConnsPerAddr = c.MaxUnauthConnsPerAddr
	cfg.MaxAuthFailures = c.MaxAuthFailures
	cfg.HandshakeTimeout = c.HandshakeTimeout
	cfg.BodyReadTimeout = c.BodyReadTimeout
	cfg.PublicWriteTimeout = c.PublicWriteTimeout
	cfg.DisableMux = c.DisableMux
}
