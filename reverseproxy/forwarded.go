package reverseproxy

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// trusted is the list of peers whose X-Forwarded-* headers are believed.
type trusted []netip.Prefix

func (t trusted) contains(remoteAddr string) bool {
	if len(t) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(remoteAddr)
	var a netip.Addr
	if err == nil {
		a = ap.Addr()
	} else if a, err = netip.ParseAddr(remoteAddr); err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// setForwarded fills X-Forwarded-For, -Proto and -Host in h, the header
// going upstream, from which the client's copies were removed. From a
// trusted peer they are put back, the peer's address appended to the
// chain, and its -Proto and -Host kept. Anyone else's are replaced with
// what this proxy saw, so a client cannot claim another address.
func (p *Proxy) setForwarded(in *http.Request, h http.Header) {
	trusted := p.trusted.contains(in.RemoteAddr)
	vals := make([]string, 3) // one allocation for the three fields
	if ip, _, err := net.SplitHostPort(in.RemoteAddr); err == nil {
		if prior := in.Header["X-Forwarded-For"]; trusted && len(prior) > 0 {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
		vals[0] = ip
		h["X-Forwarded-For"] = vals[0:1:1]
	} else {
		delete(h, "X-Forwarded-For")
	}
	vals[1], vals[2] = in.Host, "http"
	if in.TLS != nil {
		vals[2] = "https"
	}
	h["X-Forwarded-Host"], h["X-Forwarded-Proto"] = vals[1:2:2], vals[2:3:3]
	if trusted {
		for _, k := range [...]string{"X-Forwarded-Host", "X-Forwarded-Proto"} {
			if v := in.Header[k]; len(v) > 0 && v[0] != "" {
				h[k] = v[:1:1]
			}
		}
	}
}
