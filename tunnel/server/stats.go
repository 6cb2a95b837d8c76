package server

import (
	"sort"
	"sync/atomic"
)

// counters are server-wide event counts.
type counters struct {
	refusedPublic  atomic.Int64 // public connections over MaxPublicConns
	badFrames      atomic.Int64 // tunnel connections closed for a bad frame
	badHandshakes  atomic.Int64 // tunnel connections that failed TLS or sent nothing
	authFailures   atomic.Int64
	authBlocked    atomic.Int64
	bodyTimeouts   atomic.Int64
	noProxy        atomic.Int64 // public connections that found no proxy in time
	headerTimeouts atomic.Int64 // public connections without a request head in time

	refusedPublicAddr atomic.Int64 // public connections over MaxPublicConnsPerAddr
	refusedTunnel     atomic.Int64 // tunnel connections refused before their handshake
	acceptErrors      atomic.Int64 // temporary accept errors retried
	writeTimeouts     atomic.Int64 // public connections closed: client not reading
}

// tunnelCounters are one tunnel's traffic counts.
type tunnelCounters struct {
	conns    atomic.Int64 // public connections (http: keep-alive connections)
	requests atomic.Int64 // http requests
	active   atomic.Int64
	bytesIn  atomic.Int64 // public client -> local service
	bytesOut atomic.Int64 // local service -> public client
	denied   atomic.Int64 // requests refused by basic auth
}

// Stats is a snapshot of the server's state and counts.
type Stats struct {
	Clients            int   // live control connections
	PublicConns        int64 // open public connections
	RefusedPublicConns int64 // closed at once: MaxPublicConns reached
	BadFrames          int64 // tunnel connections closed for a refused frame
	BadHandshakes      int64 // tunnel connections without TLS or first frame
	AuthFailures       int64
	AuthBlocked        int64 // attempts refused unchecked: too many failures (Config.MaxAuthFailures)
	NoProxy            int64 // public connections that got no proxy in time
	HeaderTimeouts     int64 // public connections closed without a request head in time
	BodyTimeouts       int64 // public connections closed for a stalled request body
	Tunnels            []TunnelStats

	// RefusedPublicAddr counts public connections closed at once because
	// their address held MaxPublicConnsPerAddr already.
	RefusedPublicAddr int64
	// RefusedTunnelConns counts tunnel-port connections closed at once:
	// MaxUnauthConnsPerAddr, or the server's 1,024 handshake slots, full.
	RefusedTunnelConns int64
	// AcceptErrors counts temporary accept errors (such as running out of
	// file descriptors) that a listener retried after a pause.
	AcceptErrors int64
	// WriteTimeouts counts public connections closed because the client
	// did not read for PublicWriteTimeout.
	WriteTimeouts int64
}

// TunnelStats counts one tunnel's traffic.
type TunnelStats struct {
	URL         string
	Account     string
	Conns       int64 // public connections
	Requests    int64 // http requests forwarded
	ActiveConns int64
	BytesIn     int64 // from public clients to the local service
	BytesOut    int64 // from the local service to public clients
	AuthDenied  int64 // requests refused by the tunnel's basic auth
}

// Stats returns current counts; tunnels are sorted by URL.
func (s *Server) Stats() Stats {
	st := Stats{
		PublicConns:        s.public.open.Load(),
		RefusedPublicConns: s.stats.refusedPublic.Load(),
		BadFrames:          s.stats.badFrames.Load(),
		BadHandshakes:      s.stats.badHandshakes.Load(),
		AuthFailures:       s.stats.authFailures.Load(),
		AuthBlocked:        s.stats.authBlocked.Load(),
		BodyTimeouts:       s.stats.bodyTimeouts.Load(),
		NoProxy:            s.stats.noProxy.Load(),
		HeaderTimeouts:     s.stats.headerTimeouts.Load(),
		RefusedPublicAddr:  s.stats.refusedPublicAddr.Load(),
		RefusedTunnelConns: s.stats.refusedTunnel.Load(),
		AcceptErrors:       s.stats.acceptErrors.Load(),
		WriteTimeouts:      s.stats.writeTimeouts.Load(),
	}
	s.mu.Lock()
	st.Clients = len(s.controls)
	for _, t := range s.tunnels {
		st.Tunnels = append(st.Tunnels, TunnelStats{
			URL:         t.url,
			Account:     t.ctl.account,
			Conns:       t.n.conns.Load(),
			Requests:    t.n.requests.Load(),
			ActiveConns: t.n.active.Load(),
			BytesIn:     t.n.bytesIn.Load(),
			BytesOut:    t.n.bytesOut.Load(),
			AuthDenied:  t.n.denied.Load(),
		})
	}
	s.mu.Unlock()
	sort.Slice(st.Tunnels, func(i, j int) bool { return st.Tunnels[i].URL < st.Tunnels[j].URL })
	return st
}
