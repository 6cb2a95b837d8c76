package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// tunnel is one registered public endpoint of a client.
type tunnel struct {
	url    string
	proto  string // "http", "https" or "tcp"
	host   string // routing host, lower-case, with port when the URL has one
	ctl    *control
	auth   *basicAuth
	ln     net.Listener // tcp tunnels
	n      tunnelCounters
	stopMu sync.Once

	stopped chan struct{} // tcp tunnels: closed by stop
	reqID   string        // the ReqTunnel's ReqId
}

func (t *tunnel) stop() {
	t.stopMu.Do(func() {
		if t.ln != nil {
			t.ln.Close()
			close(t.stopped)
		}
	})
}

// requestTunnels answers one ReqTunnel with one NewTunnel per protocol. It
// returns false when the control must end: a failed request on a control
// without any tunnel, as the original does.
func (s *Server) requestTunnels(c *control, req *wire.ReqTunnel) bool {
	protos := strings.Split(strings.ToLower(req.Protocol), "+")
	if len(protos) > 3 {
		protos = protos[:3]
	}
	for _, proto := range protos {
		t, err := s.claim(c, proto, req)
		if err != nil {
			s.log.Info("tunnel refused", "client", shortID(c.id), "account", c.account, "protocol", truncate(proto), "reason", err.Error())
			c.send(&wire.NewTunnel{Error: err.Error()})
			s.mu.Lock()
			none := len(c.tunnels) == 0
			s.mu.Unlock()
			return !none
		}
		if t.proto == "tcp" {
			s.goFunc(func() { s.serveTCP(t) })
		}
		s.log.Info("tunnel registered", "client", shortID(c.id), "account", c.account, "url", t.url, "basic_auth", t.auth != nil)
		c.send(&wire.NewTunnel{ReqId: req.ReqId, Url: t.url, Protocol: t.proto})
	}
	return true
}

// refusal is an error whose text goes to the client in NewTunnel.Error.
// The texts follow the original ngrokd's, capitals and full stops
// included, since users and scripts know them.
type refusal string

func (r refusal) Error() string { return string(r) }

func refusef(format string, args ...any) error { return refusal(fmt.Sprintf(format, args...)) }

// Errors a ReqTunnel can get; their text goes to the client.
var (
	ErrTooManyTunnels = errors.New("too many tunnels for this client")
	ErrNotAllowed     = errors.New("not allowed")
)

func (s *Server) claim(c *control, proto string, req *wire.ReqTunnel) (*tunnel, error) {
	s.mu.Lock()
	n := len(c.tunnels)
	s.mu.Unlock()
	if n >= s.cfg.MaxTunnelsPerClient {
		return nil, fmt.Errorf("%w (limit %d)", ErrTooManyTunnels, s.cfg.MaxTunnelsPerClient)
	}
	switch proto {
	case "http", "https":
		return s.claimHTTP(c, proto, req)
	case "tcp":
		return s.claimTCP(c, req)
	}
	return nil, refusef("Unknown protocol %q", truncate(proto))
}

// vhostPort is the ":port" suffix of URLs for proto's listener, "" for the
// default ports. Each protocol uses its own listener's port (the original
// gave https the http port).
func (s *Server) vhostPort(proto string) string {
	var a net.Addr
	def := "80"
	if proto == "http" {
		a = s.HTTPAddr()
	} else {
		a = s.HTTPSAddr()
		def = "443"
	}
	_, port, _ := net.SplitHostPort(a.String())
	if port == def {
		return ""
	}
	return ":" + port
}

func (s *Server) claimHTTP(c *control, proto string, req *wire.ReqTunnel) (*tunnel, error) {
	if (proto == "http" && s.httpLn == nil) || (proto == "https" && s.httpsLn == nil) {
		return nil, refusef("Not listening for %s connections", proto)
	}
	hostname := strings.ToLower(strings.TrimSpace(req.Hostname))
	sub := strings.ToLower(strings.TrimSpace(req.Subdomain))
	port := s.vhostPort(proto)
	claim := Claim{Account: c.account, Protocol: proto, Hostname: hostname, Subdomain: sub}
	var host string
	switch {
	case hostname != "":
		if !validHostname(hostname) {
			return nil, refusef("Invalid hostname %q", truncate(hostname))
		}
		host = hostname
		if strings.HasSuffix(hostname, "."+s.cfg.Domain) {
			// A name under our domain is a subdomain claim in disguise.
			host = hostname + port
			claim.Subdomain = strings.TrimSuffix(hostname, "."+s.cfg.Domain)
		}
	case sub != "":
		if !validSubdomain(sub) {
			return nil, refusef("Invalid subdomain %q", truncate(sub))
		}
		host = sub + "." + s.cfg.Domain + port
	}
	if host != "" {
		claim.URL = proto + "://" + host
		if err := s.allowed(claim); err != nil {
			return nil, err
		}
		return s.register(c, &tunnel{url: claim.URL, proto: proto, host: host, auth: newBasicAuth(req.HttpAuth)})
	}
	// A random name: the one this session had before, else a fresh one.
	s.mu.Lock()
	prev := c.affinity[proto]
	s.mu.Unlock()
	if prev == "" {
		prev = s.sharedAffinity(c, proto)
	}
	for try := 0; try < 6; try++ {
		name := prev
		if try > 0 || name == "" {
			name = randomName()
		}
		host = name + "." + s.cfg.Domain + port
		claim.URL = proto + "://" + host
		claim.Subdomain = name
		if s.reservedToOther(name, c.account) {
			continue
		}
		if s.cfg.Policy != nil {
			if err := s.cfg.Policy(claim); err != nil {
				return nil, err
			}
		}
		t, err := s.register(c, &tunnel{url: claim.URL, proto: proto, host: host, auth: newBasicAuth(req.HttpAuth)})
		if err == nil {
			s.mu.Lock()
			c.affinity[proto] = name
			s.mu.Unlock()
			return t, nil
		}
		if errors.Is(err, ErrTooManyAccountTunnels) || errors.Is(err, errClientGone) || errors.Is(err, ErrStoreUnavailable) || errors.Is(err, ErrHeldByPrevious) {
			return nil, err // another name would not help
		}
	}
	return nil, errors.New("could not find a free random name")
}

// allowed applies reservations, then Policy (or the default policy). A
// reservation covers the names below it (see names.go).
func (s *Server) allowed(cl Claim) error {
	owner, _, reserved := s.reservation(s.fullHost(cl))
	if reserved && owner != cl.Account {
		return refusef("The tunnel %s is reserved for another account", cl.URL)
	}
	if s.cfg.Policy != nil {
		return s.cfg.Policy(cl)
	}
	outside := cl.Hostname != "" && !strings.HasSuffix(cl.Hostname, "."+s.cfg.Domain) && cl.Hostname != s.cfg.Domain
	if outside && !reserved {
		return fmt.Errorf("hostname %s %w: it is not reserved for this account", cl.Hostname, ErrNotAllowed)
	}
	return nil
}

// reservedToOther reports whether a subdomain is covered by another
// account's reservation.
func (s *Server) reservedToOther(sub, account string) bool {
	owner, _, ok := s.reservation(sub + "." + s.cfg.Domain)
	return ok && owner != account
}

// register adds t to c and to the routing table unless its URL is taken.
func (s *Server) register(c *control, t *tunnel) (*tunnel, error) {
	t.ctl = c
	// The shared claim comes first, outside the lock (registry.go).
	if err := s.claimShared(c, t); err != nil {
		return nil, err
	}
	got, err := s.registerLocal(c, t)
	if err != nil {
		s.releaseShared(t)
	}
	return got, err
}

// registerLocal is register's local part.
func (s *Server) registerLocal(c *control, t *tunnel) (*tunnel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-c.done:
		return nil, errClientGone
	default:
	}
	keys := routeKeys(t)
	for _, k := range keys {
		if _, taken := s.routes[k]; taken {
			return nil, refusef("The tunnel %s is already registered.", t.url)
		}
	}
	if _, taken := s.tunnels[t.url]; taken {
		return nil, refusef("The tunnel %s is already registered.", t.url)
	}
	if t.proto != "tcp" {
		if why := s.liveConflict(hostOnly(t.host), c); why != "" {
			return nil, refusef("The tunnel %s is not available: %s.", t.url, why)
		}
	}
	if err := s.chargeTunnel(c, t); err != nil {
		return nil, err
	}
	for _, k := range keys {
		s.routes[k] = t
	}
	s.tunnels[t.url] = t
	s.indexName(t, 1)
	c.tunnels = append(c.tunnels, t)
	return t, nil
}

// unroute removes t from the tables; s.mu is held.
func (s *Server) unroute(t *tunnel) {
	for _, k := range routeKeys(t) {
		if s.routes[k] == t {
			delete(s.routes, k)
		}
	}
	if s.tunnels[t.url] == t {
		delete(s.tunnels, t.url)
		s.indexName(t, -1)
		s.refundTunnel(t)
		s.releaseShared(t)
	}
}

// routeKeys are the lookup keys of an http(s) tunnel: its exact
// "scheme://host[:port]" and, friendlier than the original, the host
// without its port.
func routeKeys(t *tunnel) []string {
	if t.proto == "tcp" {
		return nil
	}
	keys := []string{t.proto + "://" + t.host}
	if h, _, err := net.SplitHostPort(t.host); err == nil {
		keys = append(keys, t.proto+"://"+h)
	}
	return keys
}

func randomName() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validSubdomain accepts one or more DNS labels of letters, digits and
// hyphens.
func validSubdomain(s string) bool {
	if len(s) == 0 || len(s) > 200 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func validHostname(s string) bool { return validSubdomain(s) && strings.Contains(s, ".") }

// claimTCP binds a TCP tunnel on Config.TCPAddr.
func (s *Server) claimTCP(c *control, req *wire.ReqTunnel) (*tunnel, error) {
	if s.cfg.TCPAddr == "" {
		return nil, refusal("Not listening for tcp connections")
	}
	if err := s.tcpLeft(c); err != nil {
		return nil, err
	}
	port := int(req.RemotePort)
	s.mu.Lock()
	prev := c.affinity["tcp"]
	s.mu.Unlock()
	if port == 0 && prev != "" {
		port, _ = strconv.Atoi(prev)
	}
	lo, hi := s.cfg.TCPPortMin, s.cfg.TCPPortMax
	inRange := func(p int) bool { return hi == 0 || (p >= lo && p <= hi) }
	claim := Claim{Account: c.account, Protocol: "tcp", RemotePort: int(req.RemotePort)}
	if req.RemotePort != 0 {
		if !inRange(port) {
			return nil, refusef("Port %d is outside the allowed range %d-%d", port, lo, hi)
		}
		claim.URL = fmt.Sprintf("tcp://%s:%d", s.cfg.Domain, port)
	}
	if s.cfg.Policy != nil {
		if err := s.cfg.Policy(claim); err != nil {
			return nil, err
		}
	}
	var ln net.Listener
	var err error
	for try := 0; try < 20; try++ {
		p := port
		if try > 0 || !inRange(p) {
			if req.RemotePort != 0 {
				break
			}
			p = 0
			if hi != 0 {
				n, _ := rand.Int(rand.Reader, big.NewInt(int64(hi-lo+1)))
				p = lo + int(n.Int64())
			}
		}
		ln, err = net.Listen("tcp", net.JoinHostPort(s.cfg.TCPAddr, strconv.Itoa(p)))
		if err == nil {
			break
		}
	}
	if ln == nil {
		return nil, refusef("Error binding TCP listener: %v", err)
	}
	bound := ln.Addr().(*net.TCPAddr).Port
	t := &tunnel{url: fmt.Sprintf("tcp://%s:%d", s.cfg.Domain, bound), proto: "tcp", ln: ln, stopped: make(chan struct{}), reqID: req.ReqId}
	if _, err := s.register(c, t); err != nil {
		ln.Close()
		return nil, err
	}
	s.mu.Lock()
	c.affinity["tcp"] = strconv.Itoa(bound)
	s.mu.Unlock()
	return t, nil
}
