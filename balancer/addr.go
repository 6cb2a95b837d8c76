package balancer

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Addr is an upstream address taken apart: what to dial, and how to speak.
type Addr struct {
	// Scheme is the scheme given before "://" in lower case ("http", "https",
	// "fastcgi", ...), or "" when the address had none.
	Scheme string
	// Network is "tcp" or "unix", ready for net.Dial.
	Network string
	// Address is "host:port" for tcp, or the socket path for unix.
	Address string
}

// String returns the address in the form ParseAddr reads.
func (a Addr) String() string {
	s := a.Address
	if a.Network == "unix" {
		s = "unix:" + s
	}
	if a.Scheme != "" {
		s = a.Scheme + "://" + s
	}
	return s
}

// ErrAddr is wrapped by every error ParseAddr returns.
var ErrAddr = errors.New("balancer: bad upstream address")

// defaultPort is the port to assume when a well-known scheme omits it.
func defaultPort(scheme string) (string, bool) {
	switch scheme {
	case "http", "ws":
		return "80", true
	case "https", "wss":
		return "443", true
	}
	return "", false
}

// ParseAddr reads an upstream address in one of these forms:
//
//	host:port             127.0.0.1:9000, [::1]:8080, backend:80
//	scheme://host[:port]  http://10.0.0.1, https://api.internal:8443
//	unix:/path            a unix socket; also scheme://unix:/path
//
// The port may be omitted only after http, https, ws or wss. A trailing "/"
// is allowed after host:port; any other path, query or user info is an error,
// since an upstream names a server, not a resource.
func ParseAddr(s string) (Addr, error) {
	var a Addr
	rest := s
	if i := strings.Index(rest, "://"); i >= 0 {
		a.Scheme = strings.ToLower(rest[:i])
		if !validScheme(a.Scheme) {
			return Addr{}, fmt.Errorf("%w %q: invalid scheme", ErrAddr, s)
		}
		rest = rest[i+3:]
	}
	if path, ok := strings.CutPrefix(rest, "unix:"); ok {
		if path == "" || strings.ContainsRune(path, 0) {
			return Addr{}, fmt.Errorf("%w %q: empty or invalid socket path", ErrAddr, s)
		}
		a.Network, a.Address = "unix", path
		return a, nil
	}
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" || strings.ContainsAny(rest, "/?#@ \t\r\n\x00") {
		return Addr{}, fmt.Errorf("%w %q: want host:port", ErrAddr, s)
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil {
		def, ok := defaultPort(a.Scheme)
		if !ok {
			return Addr{}, fmt.Errorf("%w %q: want host:port", ErrAddr, s)
		}
		host, port = rest, def
		if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
			host = host[1 : len(host)-1]
		} else if strings.Contains(host, ":") {
			return Addr{}, fmt.Errorf("%w %q: want host:port", ErrAddr, s)
		}
	}
	if host == "" || strings.ContainsAny(host, "[]%") {
		return Addr{}, fmt.Errorf("%w %q: invalid host", ErrAddr, s)
	}
	if (strings.Contains(host, ":") || rest[0] == '[') && (!strings.Contains(host, ":") || net.ParseIP(host) == nil) {
		return Addr{}, fmt.Errorf("%w %q: invalid IPv6 host", ErrAddr, s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '+' {
		return Addr{}, fmt.Errorf("%w %q: port must be 1-65535", ErrAddr, s)
	}
	a.Network, a.Address = "tcp", net.JoinHostPort(host, port)
	return a, nil
}

func validScheme(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
