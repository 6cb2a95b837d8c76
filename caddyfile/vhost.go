package caddyfile

import (
	"net"
	"net/http"
	"strings"
)

// vhosts routes the requests of one listen address to its sites by Host,
// as Caddy's virtual hosts did: an exact host name first, then the site
// written without a host (":8080"), which takes every other name.
type vhosts struct {
	byHost   map[string]http.Handler
	fallback http.Handler // nil when every site named its host
}

func (v *vhosts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := v.byHost[requestHost(r.Host)]; ok {
		h.ServeHTTP(w, r)
		return
	}
	if v.fallback != nil {
		v.fallback.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("404 Not Found: no site for this host\n"))
}

// requestHost is the Host header without port, in lower case, without a
// trailing dot.
func requestHost(h string) string {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}
