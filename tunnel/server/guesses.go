package server

import (
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/httpmw/httpmw/internal/clientip"
)

// guessLimiter slows down the guessing of auth tokens and of tunnels'
// basic-auth passwords: once an address has failed Config.MaxAuthFailures
// times within Config.AuthFailureWindow, its attempts are refused without
// being checked until the window has passed since the last failure.
//
// Addresses are counted per IPv4 address and per IPv6 /64 (one host's
// usual allocation). At most maxGuessers are tracked, so a flood of
// addresses cannot grow it without bound; when it is full, expired entries
// go first, then an arbitrary one.
type guessLimiter struct {
	max    int // 0: no limit
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	addrs map[netip.Prefix]*guesses
	swept time.Time // last sweep of expired entries
}

type guesses struct {
	n    int
	last time.Time
}

const maxGuessers = 10000

func newGuessLimiter(max int, window time.Duration) *guessLimiter {
	return &guessLimiter{max: max, window: window, now: time.Now, addrs: map[netip.Prefix]*guesses{}}
}

// blocked reports whether remote ("ip:port" or "ip") may not try now.
func (l *guessLimiter) blocked(remote string) bool {
	key, ok := guesserKey(remote)
	if l.max <= 0 || !ok {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	g := l.addrs[key]
	return g != nil && g.n >= l.max && l.now().Sub(g.last) < l.window
}

// failed counts a failure of remote and reports whether it has just
// become blocked (so that the block is logged once).
func (l *guessLimiter) failed(remote string) (nowBlocked bool) {
	key, ok := guesserKey(remote)
	if l.max <= 0 || !ok {
		return false
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	g := l.addrs[key]
	if g == nil || now.Sub(g.last) >= l.window {
		if g == nil && len(l.addrs) >= maxGuessers {
			l.evict(now)
		}
		g = &guesses{}
		l.addrs[key] = g
	}
	g.n++
	g.last = now
	return g.n == l.max
}

// evict makes room for one entry: it sweeps out the expired ones (at most
// once a window, so that a flood of new addresses does not make every
// failure a full scan), then drops arbitrary ones while still full.
func (l *guessLimiter) evict(now time.Time) {
	if now.Sub(l.swept) >= l.window {
		l.swept = now
		for k, g := range l.addrs {
			if now.Sub(g.last) >= l.window {
				delete(l.addrs, k)
			}
		}
	}
	for k := range l.addrs {
		if len(l.addrs) < maxGuessers {
			return
		}
		delete(l.addrs, k)
	}
}

// guesserKey is the address block remote is counted in.
func guesserKey(remote string) (netip.Prefix, bool) {
	addr, ok := clientip.Peer(remote)
	if !ok {
		return netip.Prefix{}, false
	}
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, err := addr.Prefix(bits)
	return p, err == nil
}

// errTooManyFailures is what a blocked address is told.
var errTooManyFailures = errors.New("authentication failed: too many failed attempts, try again later")

// noteFailure counts a failed attempt from remote, and logs when that
// blocks the address.
func (s *Server) noteFailure(remote string) {
	if s.guesses.failed(remote) {
		s.log.Warn("auth failures: address blocked", "remote", clientip.Host(remote),
			"failures", s.cfg.MaxAuthFailures, "for", s.cfg.AuthFailureWindow)
	}
}
