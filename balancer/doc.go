// Package balancer spreads requests over a pool of upstream servers and
// keeps track of their health. It knows nothing of the protocol spoken to
// an upstream, so an HTTP reverse proxy and a FastCGI client share it:
//
//	pool, err := balancer.New(balancer.Config{
//		Upstreams: []balancer.Upstream{{Addr: "10.0.0.1:8080"}, {Addr: "10.0.0.2:8080"}},
//		Policy:    balancer.PolicyRoundRobin,
//		Active:    balancer.ActiveCheck{Path: "/healthz", Interval: 10 * time.Second},
//	})
//	if err != nil { ... }
//	defer pool.Close()
//
//	h, err := pool.Acquire(r, nil) // ErrNoUpstream: answer 503
//	if err != nil { ... }
//	start := time.Now()
//	status, err := exchange(h.Addr().Network, h.Addr().Address, r)
//	pool.Release(h, balancer.Report{Failed: err != nil, Status: status, Latency: time.Since(start)})
//
// An upstream leaves rotation when an active check fails, or when passive
// checks count too many failures reported to Release within a window; it
// returns when an active check passes, or when the window has passed.
// When passive checks alone have taken every upstream out, Acquire tries
// them anyway, oldest failure first, and a success brings one back at once,
// so a restarted backend does not sit idle for the rest of the window.
//
// Picks are lock-free reads of a snapshot of the upstreams in rotation
// (least_conn takes a short lock on a heap), O(1) or O(log n), and allocate
// nothing, so a pool of thousands of upstreams costs what a pool of two does.
// The snapshot is rebuilt only when an upstream's health changes.
package balancer
