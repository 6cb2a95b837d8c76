package caddyfile

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/httpmw/httpmw"
)

// Instance is a loaded Caddyfile, running: one Server per listen address,
// each routing its sites by Host, and whatever the directives started (git
// syncers, health checks, FastCGI pools). Close it to stop them. (Caddy
// calls the same thing an Instance; every Config in httpmw is an input.)
type Instance struct {
	// Servers are in the order their addresses first appear in the file.
	Servers []Server

	closers []io.Closer
	cancel  context.CancelFunc
}

// Server is what one listen address serves.
type Server struct {
	// Addr is the address to listen on, ":port": like Caddy 0.7, a site
	// listens on every interface and is chosen by the request's Host.
	Addr string
	// Sites are the addresses of the sites served here, as written
	// (canonical form), in file order.
	Sites []Address
	// Handler routes each request to its site by Host: an exact host
	// name first, then a site written without a host (":8080"). A host
	// no site answers gets 404.
	Handler http.Handler
}

// Load parses a Caddyfile, checks every directive, and only then builds the
// sites: opens log files and folders, starts proxies' health checks, FastCGI
// pools and git syncers (whose first clone happens here). name is used in
// error positions; env looks up {$VAR} placeholders (nil means os.Getenv).
//
// An error is a *ParseError naming the file, line and column, and nothing is
// left running after it. Relative paths (root, log files, templates) are
// relative to the working directory, as in Caddy.
func Load(name string, src []byte, env func(string) string) (*Instance, error) {
	sites, err := check(name, src, env)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Instance{cancel: cancel}
	byAddr := map[string]*vhosts{}
	for _, s := range sites {
		h, err := s.cfg.build(ctx, &c.closers)
		if err != nil {
			c.Close()
			return nil, err
		}
		handler := httpmw.Adapter{}.Handler(h)
		for _, a := range s.site.Addresses {
			listen := ":" + a.Port
			v := byAddr[listen]
			if v == nil {
				v = &vhosts{byHost: map[string]http.Handler{}}
				byAddr[listen] = v
				c.Servers = append(c.Servers, Server{Addr: listen, Handler: v})
			}
			for i := range c.Servers {
				if c.Servers[i].Addr == listen {
					c.Servers[i].Sites = append(c.Servers[i].Sites, a)
				}
			}
			if isAnyHost(a.Host) {
				v.fallback = handler
			} else {
				v.byHost[a.Host] = handler
			}
		}
	}
	return c, nil
}

// LoadFile is Load for a file on disk.
func LoadFile(path string, env func(string) string) (*Instance, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(path, src, env)
}

// Validate checks a Caddyfile as Load does, without opening, starting or
// cloning anything: syntax, directives, options and their values, log
// formats, listing templates. A file that passes may still fail to Load
// on what only the system can tell (a missing root folder, a port in use,
// a repository that cannot be cloned).
func Validate(name string, src []byte, env func(string) string) error {
	_, err := check(name, src, env)
	return err
}

// Close stops everything the directives started (git syncers, health
// checks, FastCGI pools) and closes the log files and folders. Stop serving
// the Handlers first, so the last requests are logged. Close is idempotent.
func (c *Instance) Close() error {
	if c.cancel != nil {
		c.cancel()
	}
	var errs []error
	for i := len(c.closers) - 1; i >= 0; i-- {
		errs = append(errs, c.closers[i].Close())
	}
	c.closers = nil
	return errors.Join(errs...)
}

type checkedSite struct {
	site Site
	cfg  *siteConfig
}

// check parses the file and runs every directive's setup, which checks and
// records without starting anything.
func check(name string, src []byte, env func(string) string) ([]checkedSite, error) {
	f, err := Parse(name, src, env)
	if err != nil {
		return nil, err
	}
	seen := map[string]Position{}
	var out []checkedSite
	for _, site := range f.Sites {
		for _, a := range site.Addresses {
			if a.Scheme == "https" || a.Port == "443" && a.Scheme == "" {
				return nil, errorf(site.Pos, "site address %s: https needs TLS, which httpmw's caddyfile does not support; use http:// or another port", a)
			}
			key := net.JoinHostPort(anyHostKey(a.Host), a.Port)
			if first, dup := seen[key]; dup {
				return nil, errorf(site.Pos, "site address %s is defined twice (first at %s)", a, first)
			}
			seen[key] = site.Pos
		}
		cfg := &siteConfig{rootPos: site.Pos, confFile: name}
		rootSet := false
		for _, d := range site.Directives {
			dir, ok := lookupDirective(d.Name)
			if !ok {
				return nil, unknownDirective(d)
			}
			if err := checkUnset(d); err != nil {
				return nil, err
			}
			if d.Name == "root" {
				if rootSet {
					return nil, errorf(d.Pos, "root: set twice in one site (first at %s)", cfg.rootPos)
				}
				rootSet = true
			}
			if err := dir.setup(cfg, d); err != nil {
				return nil, err
			}
		}
		out = append(out, checkedSite{site: site, cfg: cfg})
	}
	return out, nil
}

// isAnyHost reports whether a site address names no particular host.
func isAnyHost(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }

func anyHostKey(h string) string {
	if isAnyHost(h) {
		return ""
	}
	return h
}
