package logger

import (
	"net/http"
	"net/netip"
	"strings"
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
	nets   []netip.Prefix
	source clientIPSource
}

func (p *proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
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
		return netip.Addr{}, peerHost(r.RemoteAddr)
	}
	peer, host := peerAddr(r.RemoteAddr)
	if !peer.IsValid() || len(p.nets) == 0 || !p.trusts(peer) {
		return peer, host
	}
	switch p.source {
	case fromXRealIP:
		if a, ok := parseNode(strings.TrimSpace(headerValue(r.Header, "X-Real-Ip"))); ok {
			return a, ""
		}
		return peer, ""
	case fromForwarded:
		var h hops
		for _, v := range r.Header["Forwarded"] {
			parseForwarded(v, &h)
		}
		return h.client(peer, p), ""
	default:
		var h hops
		for _, v := range r.Header["X-Forwarded-For"] {
			parseXFF(v, &h)
		}
		return h.client(peer, p), ""
	}
}

// peerAddr parses RemoteAddr ("ip:port"). When that fails it returns the
// host part as text.
func peerAddr(remote string) (netip.Addr, string) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap(), ""
	}
	if a, err := netip.ParseAddr(remote); err == nil {
		return a.Unmap(), ""
	}
	if i := strings.LastIndexByte(remote, ':'); i > 0 && !strings.Contains(remote[:i], ":") {
		return netip.Addr{}, remote[:i]
	}
	return netip.Addr{}, remote
}

// peerHost is RemoteAddr without its port: "192.0.2.1:80" -> "192.0.2.1",
// "[2001:db8::1]:80" -> "2001:db8::1"; anything else as it is.
func peerHost(remote string) string {
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

// maxHops bounds how many proxy hops are remembered; a longer chain keeps
// its last (nearest) maxHops, which is where the walk starts anyway.
const maxHops = 32

// hops is the chain of addresses a header reports, client first, without
// a heap allocation.
type hops struct {
	addr [maxHops]netip.Addr // invalid: an entry that is no address
	n    int                 // entries seen, possibly more than maxHops
}

func (h *hops) add(a netip.Addr, ok bool) {
	if !ok {
		a = netip.Addr{}
	}
	h.addr[h.n%maxHops] = a
	h.n++
}

// client walks from the nearest hop outward, skipping trusted proxies; the
// first untrusted address is the client. Entries left of it were written by
// the client itself and prove nothing. An entry that is no address stops
// the walk at the last address vouched for.
func (h *hops) client(peer netip.Addr, p *proxies) netip.Addr {
	cur := peer
	kept := min(h.n, maxHops)
	for i := 1; i <= kept; i++ {
		a := h.addr[(h.n-i)%maxHops]
		if !a.IsValid() {
			return cur
		}
		cur = a
		if !p.trusts(a) {
			return a
		}
	}
	return cur
}

// parseXFF adds the entries of one X-Forwarded-For field value:
// "client, proxy1, proxy2".
func parseXFF(v string, h *hops) {
	for v != "" {
		var item string
		item, v, _ = strings.Cut(v, ",")
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		h.add(parseNode(item))
	}
}

// parseNode reads an address as proxies write it: "192.0.2.1",
// "192.0.2.1:80", "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:80".
// A zone is dropped: it means nothing outside the proxy's own host.
func parseNode(s string) (netip.Addr, bool) {
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

// parseForwarded adds the for= node of each element of one RFC 7239
// Forwarded field value, such as
//
//	for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"
//
// An element without a usable for= ("unknown", an obfuscated "_name", a
// syntax error) is added as an invalid hop, which stops the walk there.
func parseForwarded(v string, h *hops) {
	i := 0
	for i <= len(v) {
		var node netip.Addr
		found, ok, empty := false, true, true
		// One element: pairs separated by ';' until ',' or the end.
		for {
			i = skipSpace(v, i)
			if i < len(v) && v[i] != ',' && v[i] != ';' {
				empty = false
				key, val, next, good := forwardedPair(v, i)
				i = next
				if !good {
					ok = false
				} else if strings.EqualFold(key, "for") {
					if found {
						ok = false // two for= in one element: ambiguous
					}
					found = true
					node, good = parseNode(val)
					ok = ok && good
				}
			}
			i = skipSpace(v, i)
			if i >= len(v) || v[i] == ',' {
				break
			}
			if v[i] != ';' {
				ok, empty = false, false
				for i < len(v) && v[i] != ',' { // resynchronize on the next element
					i++
				}
				break
			}
			i++ // past ';'
		}
		if !empty {
			// An element without for= says nothing of its client: invalid.
			h.add(node, found && ok)
		}
		i++ // past ',' (or beyond the end, which ends the loop)
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// forwardedPair reads `token=value` or `token="quoted value"` at i. It
// returns the key, the value, the index after it, and whether it parsed. A
// quoted value with a backslash escape is refused: no address needs one.
func forwardedPair(s string, i int) (key, val string, next int, ok bool) {
	start := i
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == start || i >= len(s) || s[i] != '=' {
		return "", "", skipToDelim(s, i), false
	}
	key = s[start:i]
	i++ // past '='
	if i < len(s) && s[i] == '"' {
		end := strings.IndexByte(s[i+1:], '"')
		if end < 0 {
			return "", "", len(s), false
		}
		val = s[i+1 : i+1+end]
		if strings.IndexByte(val, '\\') >= 0 {
			return "", "", i + end + 2, false
		}
		return key, val, i + end + 2, true
	}
	start = i
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	if i == start {
		return "", "", skipToDelim(s, i), false
	}
	return key, s[start:i], i, true
}

func skipToDelim(s string, i int) int {
	for i < len(s) && s[i] != ';' && s[i] != ',' {
		i++
	}
	return i
}

func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
