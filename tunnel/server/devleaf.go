package server

import (
	"container/list"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"time"
)

// A development CA issues one leaf certificate per name a client asks
// for, as mkcert-style and Caddy-internal CAs do, rather than one with
// wildcards: curl and Chromium refuse a wildcard directly under a
// top-level name such as *.localhost, so demo.localhost needs a
// certificate naming demo.localhost itself.

// maxLeaves bounds the certificates a GetCertificateFunc keeps; past it
// the least recently used goes. A client sending a new name in each
// handshake costs one signature each, no memory.
const maxLeaves = 256

// leafRenew is how long before expiry a cached leaf is replaced.
const leafRenew = 24 * time.Hour

// GetCertificateFunc returns a tls.Config.GetCertificate that issues, for
// the name a client asks for (its SNI name, or without one the IP address
// it connected to), a certificate for exactly that name, signed by ca and
// cached. allow, when not nil, says which DNS names to issue for; others,
// and names that are not valid DNS names, get fallback. Leave
// tls.Config.Certificates empty: crypto/tls asks GetCertificate about a
// connection without SNI (to an IP address) only then.
func (ca *DevCA) GetCertificateFunc(allow func(name string) bool, fallback *tls.Certificate) func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c := &leafCache{ca: ca, allow: allow, fallback: fallback, byName: map[string]*list.Element{}, order: list.New()}
	return c.get
}

type leafCache struct {
	ca       *DevCA
	allow    func(string) bool
	fallback *tls.Certificate

	mu     sync.Mutex
	byName map[string]*list.Element // of *leaf; front is most recent
	order  *list.List
}

type leaf struct {
	name string
	cert *tls.Certificate
}

func (c *leafCache) get(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := strings.TrimSuffix(strings.ToLower(hello.ServerName), ".")
	if name == "" {
		var ap *net.TCPAddr
		if hello.Conn != nil {
			ap, _ = hello.Conn.LocalAddr().(*net.TCPAddr)
		}
		if ap == nil {
			return c.fallback, nil
		}
		name = ap.IP.String()
	} else if !validSubdomain(name) || len(name) > 253 || c.allow != nil && !c.allow(name) {
		return c.fallback, nil
	}
	if cert := c.cached(name); cert != nil {
		return cert, nil
	}
	cert, err := c.ca.IssueFor(name)
	if err != nil {
		return nil, err
	}
	c.store(name, &cert)
	return &cert, nil
}

// cached returns name's certificate unless it is missing or about to
// expire.
func (c *leafCache) cached(name string) *tls.Certificate {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.byName[name]
	if e == nil {
		return nil
	}
	l := e.Value.(*leaf)
	if time.Until(l.cert.Leaf.NotAfter) < leafRenew {
		return nil
	}
	c.order.MoveToFront(e)
	return l.cert
}

func (c *leafCache) store(name string, cert *tls.Certificate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.byName[name]; e != nil {
		e.Value.(*leaf).cert = cert
		c.order.MoveToFront(e)
		return
	}
	c.byName[name] = c.order.PushFront(&leaf{name: name, cert: cert})
	for c.order.Len() > maxLeaves {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.byName, old.Value.(*leaf).name)
	}
}

// servesName reports whether the server may answer for a DNS name, for
// the certificates of its development CA: Domain and the names under it,
// localhost and the names under it, and reserved names and the names
// under them.
func (s *Server) servesName(name string) bool {
	for _, d := range []string{s.cfg.Domain, "localhost"} {
		if name == d || strings.HasSuffix(name, "."+d) {
			return true
		}
	}
	_, _, ok := s.reservation(name)
	return ok
}
