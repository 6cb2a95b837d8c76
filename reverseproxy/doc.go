// Package reverseproxy forwards requests to a balanced pool of upstream
// servers, as Caddy's proxy directive does, on net/http/httputil's
// ReverseProxy (with Rewrite, not the deprecated Director):
//
//	proxy, err := reverseproxy.New(reverseproxy.Config{
//		Path:    "/api",
//		Without: "/api",
//		Balancer: balancer.Config{
//			Upstreams: []balancer.Upstream{{Addr: "10.0.0.1:8080"}, {Addr: "10.0.0.2:8080"}},
//			Policy:    balancer.PolicyRoundRobin,
//			Active:    balancer.ActiveCheck{Path: "/healthz"},
//		},
//		Timeout: 30 * time.Second,
//	})
//	if err != nil { ... }
//	defer proxy.Close()
//	http.ListenAndServe(":8080", httpmw.ToHTTP(proxy.Middleware(next)))
//
// What it does beyond httputil.ReverseProxy:
//   - balancing and health checks through package balancer, retries on
//     another upstream (a failed dial always; other failures only for
//     idempotent requests whose body can be sent again), TryDuration;
//   - a Transport tuned for proxying (keep-alive pool per upstream, dial and
//     response header timeouts, unix sockets, https with a private CA) and a
//     pool of copy buffers;
//   - X-Forwarded-For, -Proto and -Host believed only from TrustedProxies;
//   - header rules with placeholders, both ways; Host passed through or set
//     to the upstream's;
//   - errors as statuses for the caller to write: 502 for a refused or broken
//     upstream, 503 when none is available, 504 on timeout; and, never
//     counted against the upstream, 413 for a body over MaxBodyBytes, 400
//     for a body that cannot be read (malformed chunks), 408 for one that
//     stalled past the server's ReadTimeout, and 499 when the client left.
//
// Websockets and other 101 upgrades go through on the upstream connection;
// server-sent events and other streams of unknown length are flushed as they
// come. An upstream that breaks in the middle of a body aborts the client's
// connection, so a truncated response never looks complete.
package reverseproxy
