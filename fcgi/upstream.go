package fcgi

import (
	"net/http"
	"sync/atomic"
)

// upstreams chooses the endpoint for each request. It is the one seam
// between this package and how several endpoints are spread.
type upstreams interface {
	// pick returns the pools to try for r, in order: the first, and the
	// next ones if it cannot be reached.
	pick(r *http.Request) []*pool
	close()
}

// roundRobin starts each request at the next endpoint and falls back to
// the others in turn.
type roundRobin struct {
	pools []*pool
	next  atomic.Uint32
}

func (rr *roundRobin) pick(*http.Request) []*pool {
	if len(rr.pools) == 1 {
		return rr.pools
	}
	start := int(rr.next.Add(1)) % len(rr.pools)
	order := make([]*pool, 0, len(rr.pools))
	order = append(order, rr.pools[start:]...)
	return append(order, rr.pools[:start]...)
}

func (rr *roundRobin) close() {
	for _, p := range rr.pools {
		p.close()
	}
}

func newUpstreams(s *settings) upstreams {
	rr := &roundRobin{}
	for _, e := range s.Endpoints {
		network, address, _ := parseEndpoint(e) // checked by settings
		rr.pools = append(rr.pools, newPool(network, address, s))
	}
	return rr
}
