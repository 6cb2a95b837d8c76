package fcgi

import (
	"net/http"
	"time"

	"github.com/httpmw/httpmw/balancer"
)

// upstreams holds a connection pool per endpoint and, with more than one
// endpoint, the balancer.Pool that spreads requests over them and takes
// failing ones out of rotation.
type upstreams struct {
	pools []*pool        // by endpoint, in Config.Endpoints order
	lb    *balancer.Pool // nil with a single endpoint: nothing to choose
}

func newUpstreams(s *settings) (*upstreams, error) {
	u := &upstreams{}
	var cfg balancer.Config
	for _, e := range s.Endpoints {
		network, address, _ := parseEndpoint(e) // checked by settings
		u.pools = append(u.pools, newPool(network, address, s))
		addr := address
		if network == "unix" {
			addr = "unix:" + address
		}
		cfg.Upstreams = append(cfg.Upstreams, balancer.Upstream{Addr: addr})
	}
	cfg.Policy = s.Policy
	if cfg.Policy == "" {
		cfg.Policy = balancer.PolicyRoundRobin
	}
	lb, err := balancer.New(cfg) // no active checks: starts nothing
	if err != nil {
		return nil, invalid("Policy", "%w", err)
	}
	if len(u.pools) == 1 {
		lb.Close() // it only checked Policy: one endpoint needs no choice
		return u, nil
	}
	u.lb = lb
	return u, nil
}

// acquire picks the endpoint for r, avoiding those already tried. The
// returned host is nil with a single endpoint.
func (u *upstreams) acquire(r *http.Request, avoid []*balancer.Host) (*balancer.Host, *pool, error) {
	if u.lb == nil {
		return nil, u.pools[0], nil
	}
	// When every endpoint is out of rotation the balancer still offers the
	// one that failed longest ago, so a restarted php-fpm serves at once.
	h, err := u.lb.Acquire(r, avoid)
	if err != nil {
		return nil, nil, err
	}
	return h, u.pools[h.Index()], nil
}

// release reports how the use of an endpoint went, for passive health:
// only the server's failures count, not the client's.
func (u *upstreams) release(h *balancer.Host, failed bool, status int, latency time.Duration) {
	if h != nil {
		u.lb.Release(h, balancer.Report{Failed: failed, Status: status, Latency: latency})
	}
}

func (u *upstreams) len() int { return len(u.pools) }

func (u *upstreams) close() {
	for _, p := range u.pools {
		p.close()
	}
	if u.lb != nil {
		u.lb.Close()
	}
}
