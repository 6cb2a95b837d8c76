package balancer

import (
	"math/rand/v2"
	"net/http"
)

// pick chooses by every policy but least_conn. Each policy proposes a first
// candidate in O(1) or O(log n); when it is full or to be avoided, the pick
// probes onward through the hosts in rotation.
func (p *Pool) pick(v *view, r *http.Request, avoid []*Host) *Host {
	switch p.policy {
	case PolicyRoundRobin:
		return probe(v, int((p.next.Add(1)-1)%uint64(len(v.up))), avoid)
	case PolicyWeightedRoundRobin:
		i := v.wrr[(p.next.Add(1)-1)%uint64(len(v.wrr))]
		return probe(v, int(i), avoid)
	case PolicyFirst:
		return probe(v, 0, avoid)
	case PolicyRandomChoose:
		a, b := v.up[v.randomIndex(rand.Uint64())], v.up[v.randomIndex(rand.Uint64())]
		if lessLoaded(b, a) {
			a, b = b, a
		}
		if a.tryAcquire(avoid) {
			return a
		}
		if b.tryAcquire(avoid) {
			return b
		}
		return probe(v, v.randomIndex(rand.Uint64()), avoid)
	case PolicyIPHash:
		if r != nil {
			return p.byHash(v, hashString(hostOnly(r.RemoteAddr)), avoid)
		}
	case PolicyURIHash:
		if r != nil {
			uri := r.RequestURI
			if uri == "" && r.URL != nil {
				uri = r.URL.Path
			}
			return p.byHash(v, hashString(uri), avoid)
		}
	case PolicyHeader:
		if r != nil {
			if vals := r.Header[p.hashHeader]; len(vals) > 0 && vals[0] != "" {
				return p.byHash(v, hashString(vals[0]), avoid)
			}
		}
	case PolicyCookie:
		if r != nil {
			if val, ok := cookieValue(r.Header["Cookie"], p.cookieName); ok {
				if h := p.byCookie[val]; h != nil && h.up.Load() && h.tryAcquire(avoid) {
					return h
				}
			}
		}
	}
	return probe(v, v.randomIndex(rand.Uint64()), avoid)
}

// probe returns the first host from up[start] on that can take a
// connection, wrapping around; nil if none can.
func probe(v *view, start int, avoid []*Host) *Host {
	n := len(v.up)
	for i := range n {
		j := start + i
		if j >= n {
			j -= n
		}
		if h := v.up[j]; h.tryAcquire(avoid) {
			return h
		}
	}
	return nil
}

// byHash maps a key's hash onto all configured hosts, not only those in
// rotation, so a key keeps its host while that host is up, whatever happens
// to the others. When its host is out, the key goes to a host in rotation
// chosen by the same hash, and comes back when its own host returns.
func (p *Pool) byHash(v *view, hash uint64, avoid []*Host) *Host {
	if h := p.hosts[hash%uint64(len(p.hosts))]; h.up.Load() && h.tryAcquire(avoid) {
		return h
	}
	return probe(v, int(mix(hash)%uint64(len(v.up))), avoid)
}

// StickyCookie returns the cookie to set on the response so that r's client
// keeps coming back to h under PolicyCookie. It returns nil under other
// policies, or when r already carries that cookie.
func (p *Pool) StickyCookie(r *http.Request, h *Host) *http.Cookie {
	if p.policy != PolicyCookie {
		return nil
	}
	if val, ok := cookieValue(r.Header["Cookie"], p.cookieName); ok && val == h.cookie {
		return nil
	}
	return &http.Cookie{
		Name:     p.cookieName,
		Value:    h.cookie,
		Path:     "/",
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	}
}
