package logger

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/httpmw/httpmw/internal/clientip"
)

// clientIPSource says which header carries the client address when the
// peer is a trusted proxy.
type clientIPSource uint8

const (
	fromXForwardedFor clientIPSource = iota
	fromXRealIP
	fromForwarded
)

// proxies is the trusted-proxy list and the header those proxies set.
type proxies struct {
	nets   clientip.Trusted
	source clientIPSource
}

// appendClient appends the client address: the peer's, unless the peer is
// a trusted proxy and its header names someone else.
func (l *Logger) appendClient(b []byte, r *http.Request) []byte {
	a, raw := l.proxies.client(r)
	if a.IsValid() {
		return a.AppendTo(b)
	}
	return appendWord(b, raw)
}

// client returns the client address, or when RemoteAddr is no IP address
// (a unix socket, say) the zero Addr and RemoteAddr's host part.
func (p *proxies) client(r *http.Request) (netip.Addr, string) {
	if len(p.nets) == 0 {
		// Nobody to believe: the peer's host as net/http wrote it, which
		// saves parsing an address only to print it back.
		return netip.Addr{}, clientip.Host(r.RemoteAddr)
	}
	peer, ok := clientip.Peer(r.RemoteAddr)
	if !ok {
		return peer, clientip.Host(r.RemoteAddr)
	}
	if !p.nets.Contains(peer) {
		return peer, ""
	}
	switch p.source {
	case fromXRealIP:
		if a, ok := clientip.ParseNode(strings.TrimSpace(headerValue(r.Header, "X-Real-Ip"))); ok {
			return a, ""
		}
		return peer, ""
	case fromForwarded:
		var h clientip.Hops
		for _, v := range r.Header["Forwarded"] {
			h.AddForwarded(v)
		}
		return h.Client(peer, p.nets), ""
	default:
		var h clientip.Hops
		for _, v := range r.Header["X-Forwarded-For"] {
			h.AddXForwardedFor(v)
		}
		return h.Client(peer, p.nets), ""
	}
}
