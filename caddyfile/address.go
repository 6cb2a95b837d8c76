package caddyfile

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// DefaultPort is the port a site without one listens on, as in Caddy 0.7.
const DefaultPort = "2015"

// Address is a site address: "localhost", "example.com:8080", ":2015",
// "http://example.com", "https://example.com:8443".
type Address struct {
	Scheme string // "http" or "https"; "" when not written
	Host   string // lower-cased; "" for any host
	Port   string // never empty: from the address, the scheme, or DefaultPort
}

// String gives the address back in its canonical form.
func (a Address) String() string {
	s := net.JoinHostPort(a.Host, a.Port)
	if a.Scheme != "" {
		s = a.Scheme + "://" + s
	}
	return s
}

// ParseAddress reads one site address.
func ParseAddress(s string) (Address, error) {
	var a Address
	rest := s
	if scheme, after, ok := strings.Cut(s, "://"); ok {
		scheme = strings.ToLower(scheme)
		if scheme != "http" && scheme != "https" {
			return a, fmt.Errorf("site address %q: scheme must be http or https", s)
		}
		a.Scheme, rest = scheme, after
	}
	if strings.ContainsAny(rest, "/?#@ \t") {
		return a, fmt.Errorf("site address %q: expected host, host:port or :port", s)
	}
	host, port := rest, ""
	if h, p, err := net.SplitHostPort(rest); err == nil {
		host, port = h, p
	} else if strings.Count(rest, ":") == 1 || strings.HasPrefix(rest, "[") {
		return a, fmt.Errorf("site address %q: %v", s, err)
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 {
			return a, fmt.Errorf("site address %q: port must be a number from 0 to 65535", s)
		}
	}
	switch {
	case port != "":
	case a.Scheme == "http":
		port = "80"
	case a.Scheme == "https":
		port = "443"
	default:
		port = DefaultPort
	}
	a.Host, a.Port = strings.ToLower(host), port
	return a, nil
}
