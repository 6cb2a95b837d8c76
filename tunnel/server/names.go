package server

import (
	"strings"

	"github.com/httpmw/httpmw/internal/cfgerr"
)

// Names form a tree, and one account holds a branch of it: a reservation
// or a live tunnel of one account covers every name below it for the
// others (x.demo under demo), so that nobody can toss cookies onto another
// account's site or put a look-alike under its name. Hostnames compare in
// lower case everywhere; Config.Reservations is normalized once, in New.

// normalizeReservations returns Config.Reservations with lower-case keys
// without a trailing dot, a name under domain written as its subdomain
// ("demo.example.test" becomes "demo"), so that each lookup is one exact
// match. Two keys for the same name with different owners are an error.
func normalizeReservations(in map[string]string, domain string) (map[string]string, error) {
	bad := func(format string, args ...any) error {
		return cfgerr.New("server", "Config.Reservations", format, args...)
	}
	out := make(map[string]string, len(in))
	for key, owner := range in {
		name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(key)), ".")
		name = strings.TrimSuffix(name, "."+domain)
		if !validSubdomain(name) || name == domain {
			return nil, bad("%q is not a subdomain or hostname", key)
		}
		if owner == "" {
			return nil, bad("%q has no account", key)
		}
		if prev, dup := out[name]; dup && prev != owner {
			return nil, bad("%q is reserved twice, for %q and %q", name, prev, owner)
		}
		out[name] = owner
	}
	return out, nil
}

// nameChain is host (lower case, no port) and each name above it, nearest
// first, stopping below the server's Domain: every account's names share
// Domain and the names above it, so those belong to nobody.
func (s *Server) nameChain(host string) []string {
	var chain []string
	for n := host; n != "" && !s.aboveOrDomain(n); {
		chain = append(chain, n)
		_, parent, ok := strings.Cut(n, ".")
		if !ok {
			break
		}
		n = parent
	}
	return chain
}

// aboveOrDomain reports whether n is Domain or one of its parents.
func (s *Server) aboveOrDomain(n string) bool {
	d := s.cfg.Domain
	return n == d || strings.HasSuffix(d, "."+n)
}

// reservationKey is the form of n that Config.Reservations is keyed by.
func (s *Server) reservationKey(n string) string {
	if sub, ok := strings.CutSuffix(n, "."+s.cfg.Domain); ok && s.cfg.Domain != "" {
		return sub
	}
	return n
}

// reservation finds the nearest reservation at or above host: the owner
// and the reserved name. The nearest wins, so an operator can hand
// x.demo to one account inside another's demo.
func (s *Server) reservation(host string) (owner, name string, ok bool) {
	for _, n := range s.nameChain(host) {
		if owner, ok := s.reserved[s.reservationKey(n)]; ok {
			return owner, n, true
		}
	}
	return "", "", false
}

// fullHost is the hostname a claim asks for: its Hostname, or its
// Subdomain under Domain.
func (s *Server) fullHost(cl Claim) string {
	if cl.Hostname != "" {
		return cl.Hostname
	}
	return cl.Subdomain + "." + s.cfg.Domain
}

// nameIndex records which accounts (by quota key) hold live http(s)
// names: at a name, and anywhere below it. Guarded by Server.mu.
type nameIndex struct {
	at    map[string]map[string]int // host -> quota key -> live tunnels
	below map[string]map[string]int // name -> quota key -> live tunnels under it
}

func bump(m map[string]map[string]int, name, account string, d int) map[string]map[string]int {
	if m == nil {
		m = map[string]map[string]int{}
	}
	accts := m[name]
	if accts == nil {
		accts = map[string]int{}
		m[name] = accts
	}
	accts[account] += d
	if accts[account] <= 0 {
		delete(accts, account)
		if len(accts) == 0 {
			delete(m, name)
		}
	}
	return m
}

// others reports an owner other than key in accts.
func others(accts map[string]int, key string) bool {
	for a := range accts {
		if a != key {
			return true
		}
	}
	return false
}

// liveConflict explains why c may not hold host because of another
// account's live names, or returns "". Names covered by a reservation of
// c's account are exempt: the operator's word beats whoever came first.
// Owners are told apart by quota key, so that anonymous clients at
// different addresses are different owners. s.mu is held.
func (s *Server) liveConflict(host string, c *control) string {
	if owner, _, ok := s.reservation(host); ok && owner == c.account {
		return ""
	}
	chain := s.nameChain(host)
	for _, n := range chain {
		if others(s.names.at[n], c.quota) {
			return n + " is in use by another account"
		}
	}
	if len(chain) > 0 && others(s.names.below[host], c.quota) {
		return "another account has a tunnel under " + host
	}
	return ""
}

// indexName adds (d = 1) or removes (d = -1) t's name; s.mu is held.
func (s *Server) indexName(t *tunnel, d int) {
	if t.proto == "tcp" || t.ctl == nil {
		return
	}
	host := hostOnly(t.host)
	chain := s.nameChain(host)
	if len(chain) == 0 {
		return
	}
	s.names.at = bump(s.names.at, host, t.ctl.quota, d)
	for _, n := range chain[1:] {
		s.names.below = bump(s.names.below, n, t.ctl.quota, d)
	}
}
