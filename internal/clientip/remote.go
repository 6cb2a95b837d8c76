package clientip

import (
	"net/netip"
	"strings"
)

// Peer parses a RemoteAddr as net/http and net.Conn write it, "ip:port",
// or a bare address. ok is false for anything else (a unix socket's path,
// say).
func Peer(remote string) (a netip.Addr, ok bool) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// Host is remote without its port, as text: "192.0.2.1:80" -> "192.0.2.1",
// "[2001:db8::1]:80" -> "2001:db8::1"; anything else unchanged. It does
// not allocate.
func Host(remote string) string {
	if len(remote) > 0 && remote[0] == '[' {
		if end := strings.IndexByte(remote, ']'); end > 0 {
			return remote[1:end]
		}
		return remote
	}
	if i := strings.LastIndexByte(remote, ':'); i > 0 && strings.IndexByte(remote[:i], ':') < 0 {
		return remote[:i]
	}
	return remote
}

// ParseNode reads an address as proxies write it in forwarding headers:
// "192.0.2.1", "192.0.2.1:80", "2001:db8::1", "[2001:db8::1]" or
// "[2001:db8::1]:80". A zone is dropped: it means nothing outside the
// proxy's own host.
func ParseNode(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return a.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}
