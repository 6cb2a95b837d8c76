package caddyfile

import (
	"crypto/tls"
	"strconv"
	"strings"
	"time"

	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/reverseproxy"
)

// proxyOptions are the lines a proxy block may hold.
var proxyOptions = []string{
	"policy", "fail_timeout", "max_fails", "health_check", "health_check_interval",
	"health_check_timeout", "header_upstream", "proxy_header", "header_downstream",
	"without", "except", "upstream", "transparent", "websocket", "insecure_skip_verify",
}

// policies are the names "policy" takes: Caddy 0.7's random, least_conn and
// round_robin, and the others package balancer has.
var policies = []balancer.Policy{
	balancer.PolicyRandom, balancer.PolicyLeastConn, balancer.PolicyRoundRobin,
	balancer.PolicyWeightedRoundRobin, balancer.PolicyRandomChoose, balancer.PolicyFirst,
	balancer.PolicyIPHash, balancer.PolicyURIHash, balancer.PolicyHeader, balancer.PolicyCookie,
}

// setupProxy reads Caddy's proxy directive:
//
//	proxy from to... {
//		policy random|least_conn|round_robin|first|ip_hash|uri_hash|header NAME|...
//		fail_timeout 10s          # how long a failure counts; 0 turns passive checks off
//		max_fails 1               # failures within fail_timeout that take an upstream out
//		health_check /path [interval]
//		health_check_interval 30s
//		health_check_timeout 5s
//		header_upstream Name value   # also proxy_header (Caddy 0.7's name)
//		header_downstream Name value # "-Name" deletes, "+Name" adds
//		without /prefix
//		except paths...
//		upstream to                # more upstreams, one a line
//		transparent                # pass Host, X-Real-IP, X-Forwarded-Proto
//		websocket                  # accepted: upgrades always pass
//		insecure_skip_verify       # https upstreams with any certificate
//	}
//
// As in Caddy, the Host sent upstream is the upstream's own unless
// "transparent" or a header_upstream Host line says otherwise.
func setupProxy(s *siteConfig, d Directive) error {
	if err := checkArgs(d, 1, -1, "proxy from to..."); err != nil {
		return err
	}
	c := reverseproxy.Config{Path: d.Args[0], UpstreamHost: true}
	c.Balancer.Policy = balancer.PolicyRandom
	for i, to := range d.Args[1:] {
		if _, err := balancer.ParseAddr(to); err != nil {
			return errorf(argPos(d, i+1), "proxy: upstream %q: %v", to, err)
		}
		c.Balancer.Upstreams = append(c.Balancer.Upstreams, balancer.Upstream{Addr: to})
	}
	interval := time.Duration(0)
	for _, o := range d.Options {
		var err error
		switch o.Name {
		case "policy":
			err = proxyPolicy(&c, o)
		case "fail_timeout":
			var dur time.Duration
			if dur, err = durationOption("proxy", o, true); err == nil {
				if dur == 0 {
					c.Balancer.Passive.MaxFails = -1
				} else {
					c.Balancer.Passive.FailWindow = dur
				}
			}
		case "max_fails":
			if err = checkOptionArgs("proxy", o, 1, 1, "max_fails count"); err == nil {
				n, convErr := strconv.Atoi(o.Args[0])
				if convErr != nil || n < 1 {
					err = errorf(o.Pos, "proxy: max_fails: expected a number, 1 or more, got %q", o.Args[0])
				} else if c.Balancer.Passive.MaxFails >= 0 {
					c.Balancer.Passive.MaxFails = n
				}
			}
		case "health_check":
			if err = checkOptionArgs("proxy", o, 1, 2, "health_check path [interval]"); err == nil {
				if !strings.HasPrefix(o.Args[0], "/") {
					err = errorf(o.Pos, "proxy: health_check: expected a path starting with /, got %q", o.Args[0])
				}
				c.Balancer.Active.Path = o.Args[0]
				if err == nil && len(o.Args) == 2 {
					interval, err = parseDuration("proxy", o, o.Args[1], false)
				}
			}
		case "health_check_interval":
			interval, err = durationOption("proxy", o, false)
		case "health_check_timeout":
			c.Balancer.Active.Timeout, err = durationOption("proxy", o, false)
		case "header_upstream", "proxy_header":
			var r reverseproxy.HeaderRule
			if r, err = headerRule("proxy", o); err == nil {
				c.HeaderUp = append(c.HeaderUp, r)
			}
		case "header_downstream":
			var r reverseproxy.HeaderRule
			if r, err = headerRule("proxy", o); err == nil {
				c.HeaderDown = append(c.HeaderDown, r)
			}
		case "without":
			if err = checkOptionArgs("proxy", o, 1, 1, "without prefix"); err == nil {
				c.Without = o.Args[0]
			}
		case "except":
			if err = checkOptionArgs("proxy", o, 1, -1, "except paths..."); err == nil {
				c.Except = append(c.Except, o.Args...)
			}
		case "upstream":
			if err = checkOptionArgs("proxy", o, 1, -1, "upstream to..."); err == nil {
				for _, to := range o.Args {
					if _, perr := balancer.ParseAddr(to); perr != nil {
						return errorf(o.Pos, "proxy: upstream %q: %v", to, perr)
					}
					c.Balancer.Upstreams = append(c.Balancer.Upstreams, balancer.Upstream{Addr: to})
				}
			}
		case "transparent":
			if err = checkOptionArgs("proxy", o, 0, 0, "transparent"); err == nil {
				c.HeaderUp = append(c.HeaderUp,
					reverseproxy.HeaderRule{Op: reverseproxy.HeaderSet, Name: "Host", Value: "{host}"},
					reverseproxy.HeaderRule{Op: reverseproxy.HeaderSet, Name: "X-Real-IP", Value: "{remote}"},
					reverseproxy.HeaderRule{Op: reverseproxy.HeaderSet, Name: "X-Forwarded-Proto", Value: "{scheme}"})
			}
		case "websocket":
			err = checkOptionArgs("proxy", o, 0, 0, "websocket")
		case "insecure_skip_verify":
			if err = checkOptionArgs("proxy", o, 0, 0, "insecure_skip_verify"); err == nil {
				c.TLS = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for in the Caddyfile
			}
		default:
			err = unknownOption("proxy", o, proxyOptions...)
		}
		if err != nil {
			return err
		}
	}
	if c.Balancer.Active.Path != "" {
		c.Balancer.Active.Interval = interval
	} else if interval != 0 {
		return errorf(d.Pos, "proxy: health_check_interval without health_check path")
	}
	if len(c.Balancer.Upstreams) == 0 {
		return errorf(d.Pos, "proxy: expected at least one upstream after the path %q", d.Args[0])
	}
	s.proxies = append(s.proxies, proxyDirective{cfg: c, pos: d.Pos})
	return nil
}

func proxyPolicy(c *reverseproxy.Config, o Option) error {
	if len(o.Args) == 0 {
		return checkOptionArgs("proxy", o, 1, 2, "policy name")
	}
	p := balancer.Policy(o.Args[0])
	known := false
	var names []string
	for _, k := range policies {
		names = append(names, string(k))
		known = known || k == p
	}
	if !known {
		return errorf(o.Pos, "proxy: policy: unknown policy %q; expected one of: %s", o.Args[0], strings.Join(names, ", "))
	}
	if p == balancer.PolicyHeader {
		if err := checkOptionArgs("proxy", o, 2, 2, "policy header Name"); err != nil {
			return err
		}
		c.Balancer.HashHeader = o.Args[1]
	} else if err := checkOptionArgs("proxy", o, 1, 1, "policy name"); err != nil {
		return err
	}
	c.Balancer.Policy = p
	return nil
}

// headerRule reads "Name value": set; "+Name value": add; "-Name": delete.
func headerRule(dir string, o Option) (reverseproxy.HeaderRule, error) {
	if len(o.Args) > 0 && strings.HasPrefix(o.Args[0], "-") {
		if err := checkOptionArgs(dir, o, 1, 1, o.Name+" -Name"); err != nil {
			return reverseproxy.HeaderRule{}, err
		}
		return reverseproxy.HeaderRule{Op: reverseproxy.HeaderDelete, Name: o.Args[0][1:]}, nil
	}
	if err := checkOptionArgs(dir, o, 2, 2, o.Name+" Name value"); err != nil {
		return reverseproxy.HeaderRule{}, err
	}
	r := reverseproxy.HeaderRule{Op: reverseproxy.HeaderSet, Name: o.Args[0], Value: o.Args[1]}
	if strings.HasPrefix(r.Name, "+") {
		r.Op, r.Name = reverseproxy.HeaderAdd, r.Name[1:]
	}
	if r.Name == "" {
		return r, errorf(o.Pos, "%s: %s: expected a header name", dir, o.Name)
	}
	return r, nil
}

// durationOption reads an option's single duration argument.
func durationOption(dir string, o Option, zeroOK bool) (time.Duration, error) {
	if err := checkOptionArgs(dir, o, 1, 1, o.Name+" duration"); err != nil {
		return 0, err
	}
	return parseDuration(dir, o, o.Args[0], zeroOK)
}

// parseDuration reads "10s", "1m30s", or a bare number of seconds as Caddy
// 0.7 wrote some of its intervals.
func parseDuration(dir string, o Option, s string, zeroOK bool) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		n, convErr := strconv.Atoi(s)
		if convErr != nil {
			return 0, errorf(o.Pos, "%s: %s: expected a duration such as 10s or 1m, got %q", dir, o.Name, s)
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 || (d == 0 && !zeroOK) {
		return 0, errorf(o.Pos, "%s: %s: expected a positive duration, got %q", dir, o.Name, s)
	}
	return d, nil
}
