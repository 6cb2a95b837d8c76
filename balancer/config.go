package balancer

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/httpmw/httpmw/internal/cfgerr"
	"github.com/httpmw/httpmw/internal/httptoken"
)

// Policy names how a Pool chooses among its available upstreams. The names
// are those of Caddy's "policy" subdirective.
type Policy string

// The policies. Every pick is O(1) or O(log n) and allocates nothing while
// the chosen upstream is available; an unavailable or busy candidate makes
// the pick probe onward, which costs more only while many upstreams are down.
const (
	// PolicyRandom picks at random, in proportion to Weight. The default.
	PolicyRandom Policy = "random"
	// PolicyRoundRobin takes the available upstreams in turn, ignoring Weight.
	PolicyRoundRobin Policy = "round_robin"
	// PolicyWeightedRoundRobin takes upstreams in turn, Weight times each per
	// cycle, spread through the cycle rather than in bursts (smooth).
	PolicyWeightedRoundRobin Policy = "weighted_round_robin"
	// PolicyLeastConn picks the upstream with the fewest connections in use
	// per unit of Weight.
	PolicyLeastConn Policy = "least_conn"
	// PolicyRandomChoose picks two upstreams at random and keeps the less
	// loaded one ("power of two choices").
	PolicyRandomChoose Policy = "random_choose"
	// PolicyFirst picks the first available upstream in configured order:
	// the others are fallbacks.
	PolicyFirst Policy = "first"
	// PolicyIPHash maps the client address (Request.RemoteAddr, without
	// the port) to an upstream, so a client keeps its upstream while it is up.
	PolicyIPHash Policy = "ip_hash"
	// PolicyURIHash maps the request URI to an upstream (cache affinity).
	PolicyURIHash Policy = "uri_hash"
	// PolicyHeader maps the value of Config.HashHeader to an upstream;
	// requests without it are picked at random.
	PolicyHeader Policy = "header"
	// PolicyCookie keeps a client on the upstream named by its sticky cookie
	// (Config.CookieName); see Pool.StickyCookie. Requests without a valid
	// cookie are picked at random.
	PolicyCookie Policy = "cookie"
)

// known reports whether p names one of the policies above.
func (p Policy) known() bool {
	switch p {
	case PolicyRandom, PolicyRoundRobin, PolicyWeightedRoundRobin, PolicyLeastConn, PolicyRandomChoose,
		PolicyFirst, PolicyIPHash, PolicyURIHash, PolicyHeader, PolicyCookie:
		return true
	}
	return false
}

// Upstream configures one upstream server.
type Upstream struct {
	// Addr is where the upstream listens, in a form ParseAddr reads:
	// "127.0.0.1:9000", "https://api.internal", "unix:/run/app.sock".
	Addr string
	// Weight is the upstream's share for the weighted policies. 0 means 1.
	Weight int
	// MaxConns caps the connections in use at once; a full upstream is
	// skipped. 0 means no limit.
	MaxConns int
}

// Config configures a Pool. Only Upstreams is required.
type Config struct {
	// Upstreams lists the servers to balance over, at least one.
	Upstreams []Upstream
	// Policy chooses among available upstreams. "" means PolicyRandom.
	Policy Policy
	// HashHeader is the request header PolicyHeader hashes. Required by
	// that policy, unused by others.
	HashHeader string
	// CookieName is PolicyCookie's cookie. "" means "lb".
	CookieName string
	// CookieSecret keys the cookie values so they do not reveal upstream
	// addresses. "" means a random secret per Pool, so cookies do not
	// survive a restart.
	CookieSecret string

	// Active configures health checks the Pool runs on its own.
	// The zero value runs none.
	Active ActiveCheck
	// Passive configures how failures reported to Release take an upstream
	// out of rotation. The zero value is Caddy 0.x's: one failure takes an
	// upstream out for 10 seconds (unless it is the only one). When passive
	// checks have taken every upstream out, Acquire still tries them, oldest
	// failure first (see Pool.Acquire).
	Passive PassiveCheck

	// OnStateChange is called when an upstream leaves rotation (healthy
	// false) or comes back (true), outside any lock. nil means nobody is told.
	OnStateChange func(h *Host, healthy bool)
}

// ActiveCheck probes every upstream on a timer. An upstream that fails a
// probe is out of rotation until one passes; a pass also forgives passive
// failures. Checks run when Path or Check is set.
type ActiveCheck struct {
	// Path is requested with GET on each upstream (over http, or https when
	// the upstream's scheme is https). "" means no HTTP probe.
	Path string
	// Check, when set, replaces the HTTP probe: nil error means healthy.
	// A FastCGI client might dial, or send a ping request. nil means the
	// HTTP probe of Path.
	Check func(ctx context.Context, h *Host) error
	// Interval is the time between rounds. 0 means 30 seconds.
	Interval time.Duration
	// Timeout bounds one probe. 0 means 5 seconds.
	Timeout time.Duration
	// Status is the status a healthy upstream answers Path with.
	// 0 means any 2xx or 3xx.
	Status int
	// Body, when set, must occur in a healthy upstream's response body
	// (the first 64 KiB of it).
	Body string
	// Client sends the HTTP probes. nil means a client of the Pool's own
	// that dials unix sockets too and verifies TLS with the system roots.
	Client *http.Client
}

// PassiveCheck judges upstreams by the outcomes reported to Pool.Release.
// A pool of one upstream is never taken out by passive checks, as in nginx:
// there is nothing else to send requests to, and refusing them all for
// FailWindow after one hiccup would turn a blip into an outage. Active
// checks still apply to it. For the same reason, when passive checks alone
// keep every upstream out, Acquire picks one of them anyway, the one whose
// failure is oldest, and its first success puts it back in rotation; an
// upstream that an active check declared down is never picked.
type PassiveCheck struct {
	// MaxFails is how many failures within FailWindow take an upstream out
	// of rotation. 0 means 1; a negative value turns passive checks off.
	MaxFails int
	// FailWindow is how long a failure counts, and how long an upstream
	// stays out after MaxFails. 0 means 10 seconds.
	FailWindow time.Duration
	// UnhealthyStatus lists response statuses that count as failures
	// (say 502, 503). nil means none: only Report.Failed counts.
	UnhealthyStatus []int
	// UnhealthyLatency counts a response slower than this as a failure.
	// 0 means latency is not judged.
	UnhealthyLatency time.Duration
}

const (
	defaultInterval   = 30 * time.Second
	defaultTimeout    = 5 * time.Second
	defaultFailWindow = 10 * time.Second
	defaultCookieName = "lb"
)

// validate checks c and returns the first problem, naming the field.
func (c *Config) validate() error {
	if len(c.Upstreams) == 0 {
		return cfgerr.New("balancer", "Config.Upstreams", "at least one upstream is required")
	}
	for i, u := range c.Upstreams {
		if _, err := ParseAddr(u.Addr); err != nil {
			return cfgerr.New("balancer", fmt.Sprintf("Config.Upstreams[%d].Addr", i), "%w", err)
		}
		if u.Weight < 0 || u.Weight > maxWeight {
			return cfgerr.New("balancer", fmt.Sprintf("Config.Upstreams[%d].Weight", i), "must be 0-%d, got %d", maxWeight, u.Weight)
		}
		if u.MaxConns < 0 {
			return cfgerr.New("balancer", fmt.Sprintf("Config.Upstreams[%d].MaxConns", i), "must not be negative, got %d", u.MaxConns)
		}
	}
	if c.Policy != "" && !c.Policy.known() {
		return cfgerr.New("balancer", "Config.Policy", "unknown policy %q", c.Policy)
	}
	if c.Policy == PolicyHeader && !httptoken.IsToken(c.HashHeader) {
		return cfgerr.New("balancer", "Config.HashHeader", "a header name is required by policy %q, got %q", c.Policy, c.HashHeader)
	}
	if c.CookieName != "" && !httptoken.IsToken(c.CookieName) {
		return cfgerr.New("balancer", "Config.CookieName", "invalid cookie name %q", c.CookieName)
	}
	a := c.Active
	if a.Path != "" && a.Path[0] != '/' {
		return cfgerr.New("balancer", "Config.Active.Path", "must start with \"/\", got %q", a.Path)
	}
	if a.Interval < 0 {
		return cfgerr.New("balancer", "Config.Active.Interval", "must not be negative, got %v", a.Interval)
	}
	if a.Timeout < 0 {
		return cfgerr.New("balancer", "Config.Active.Timeout", "must not be negative, got %v", a.Timeout)
	}
	if a.Status != 0 && (a.Status < 100 || a.Status > 999) {
		return cfgerr.New("balancer", "Config.Active.Status", "must be 100-999, got %d", a.Status)
	}
	p := c.Passive
	if p.FailWindow < 0 {
		return cfgerr.New("balancer", "Config.Passive.FailWindow", "must not be negative, got %v", p.FailWindow)
	}
	for _, s := range p.UnhealthyStatus {
		if s < 100 || s > 999 {
			return cfgerr.New("balancer", "Config.Passive.UnhealthyStatus", "must be 100-999, got %d", s)
		}
	}
	if p.UnhealthyLatency < 0 {
		return cfgerr.New("balancer", "Config.Passive.UnhealthyLatency", "must not be negative, got %v", p.UnhealthyLatency)
	}
	return nil
}

// maxWeight keeps the weighted round robin cycle small enough to precompute.
const maxWeight = 1000
