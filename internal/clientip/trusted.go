package clientip

import (
	"fmt"
	"net/netip"
	"strings"
)

// Trusted is a list of proxies whose forwarding headers are believed.
type Trusted []netip.Prefix

// Contains reports whether a is one of the trusted proxies.
func (t Trusted) Contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrusted reads a list of CIDRs and single addresses, as the
// TrustedProxies fields of the Configs hold them. On error it returns the
// index of the bad entry and the reason, for the caller's
// "pkg: Config.TrustedProxies[i]: reason".
func ParseTrusted(list []string) (Trusted, int, error) {
	var out Trusted
	for i, s := range list {
		p, err := ParsePrefix(s)
		if err != nil {
			return nil, i, err
		}
		out = append(out, p)
	}
	return out, -1, nil
}

// ParsePrefix reads one trusted proxy: a CIDR ("10.0.0.0/8") or a single
// address ("192.0.2.1", a /32 or /128), with space around it ignored. A
// range written in IPv4-mapped form (::ffff:10.0.0.0/104) becomes the
// IPv4 range it means, since clients are matched unmapped.
func ParsePrefix(s string) (netip.Prefix, error) {
	t := strings.TrimSpace(s)
	var p netip.Prefix
	var err error
	if strings.Contains(t, "/") {
		p, err = netip.ParsePrefix(t)
	} else {
		var a netip.Addr
		a, err = netip.ParseAddr(t)
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither a CIDR nor an address", s)
	}
	if p.Addr().Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			return netip.Prefix{}, fmt.Errorf("%q covers more than the IPv4-mapped range", s)
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), bits)
	}
	return p.Masked(), nil
}
