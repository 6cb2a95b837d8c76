package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"time"

	"github.com/httpmw/httpmw/tunnel/server"
)

// forwarder sends public requests for names held by other nodes to them.
type forwarder struct {
	reg       *registry
	transport *http.Transport
	errLog    *log.Logger
}

func newForwarder(reg *registry, t *nodeTLS) *forwarder {
	d := &net.Dialer{Timeout: reg.cfg.ForwardDialTimeout}
	return &forwarder{
		reg: reg,
		transport: &http.Transport{
			DialContext:         d.DialContext,
			TLSClientConfig:     t.dial,
			TLSHandshakeTimeout: reg.cfg.ForwardDialTimeout,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
		},
		errLog: log.New(io.Discard, "", 0),
	}
}

// ServeElsewhere implements server.Registry: it looks the name up in etcd
// and forwards the request to the node holding it, once. The receiving
// node serves it from its own tunnels only (server.ServeForwarded).
func (r *registry) ServeElsewhere(w http.ResponseWriter, req *http.Request, scheme string) bool {
	return r.fwd.serve(w, req, scheme)
}

func (f *forwarder) serve(w http.ResponseWriter, req *http.Request, scheme string) bool {
	host := strings.ToLower(req.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" {
		return false
	}
	key := f.reg.key(scheme + "/" + host)
	v, held, known := f.reg.table.lookup(key)
	if !known {
		ctx, cancel := context.WithTimeout(req.Context(), f.reg.cfg.StoreTimeout)
		resp, err := f.reg.cli.Get(ctx, key)
		cancel()
		if err != nil {
			textError(w, http.StatusBadGateway, "Tunnel lookup failed: "+server.ErrStoreUnavailable.Error())
			return true
		}
		held = len(resp.Kvs) == 1 && json.Unmarshal(resp.Kvs[0].Value, &v) == nil
	}
	if !held || v.Addr == "" || f.reg.mine(v) {
		return false // nobody, or this node releasing it
	}
	client := req.RemoteAddr
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "https"
			pr.Out.URL.Host = v.Addr
			pr.Out.Host = pr.In.Host
			// ReverseProxy removed these; the holder adds its own hop.
			for _, k := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if vv := pr.In.Header.Values(k); len(vv) > 0 {
					pr.Out.Header[k] = vv
				}
			}
			pr.Out.Header.Set(server.ForwardedClientHeader, client)
			pr.Out.Header.Set(server.ForwardedProtoHeader, scheme)
		},
		Transport:     f.transport,
		FlushInterval: -1,
		ErrorLog:      f.errLog,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			f.reg.log.Warn("cluster: forward failed", "host", host, "node", v.Node, "addr", v.Addr, "err", err)
			textError(w, http.StatusBadGateway, fmt.Sprintf("Tunnel %s unavailable: its node does not answer", host))
		},
	}
	rp.ServeHTTP(w, req)
	return true
}

func textError(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	io.WriteString(w, msg)
}
