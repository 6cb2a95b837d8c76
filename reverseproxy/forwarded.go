package reverseproxy

import (
	"net/http/httputil"
	"strings"

	"github.com/httpmw/httpmw/internal/clientip"
)

// trusts reports whether the peer at remoteAddr is one of TrustedProxies.
func (p *Proxy) trusts(remoteAddr string) bool {
	if len(p.trusted) == 0 {
		return false
	}
	a, ok := clientip.Peer(remoteAddr)
	return ok && p.trusted.Contains(a)
}

// setForwarded fills X-Forwarded-For, -Proto and -Host. httputil has
// removed the client's copies from pr.Out before Rewrite runs; from a
// trusted peer they are put back, the peer's address appended to the
// chain, and its -Proto and -Host kept. Anyone else's are replaced with
// what this proxy saw, so a client cannot claim another address.
func (p *Proxy) setForwarded(pr *httputil.ProxyRequest) {
	in, out := pr.In, pr.Out
	if !p.trusts(in.RemoteAddr) {
		pr.SetXForwarded()
		return
	}
	if prior := in.Header["X-Forwarded-For"]; len(prior) > 0 {
		out.Header["X-Forwarded-For"] = []string{strings.Join(prior, ", ")}
	}
	pr.SetXForwarded() // appends the peer to the chain, sets Host and Proto
	for _, h := range [...]string{"X-Forwarded-Host", "X-Forwarded-Proto"} {
		if v := in.Header[h]; len(v) > 0 && v[0] != "" {
			out.Header[h] = v[:1:1]
		}
	}
}
