package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/httpmw/httpmw/caddyfile"
	"github.com/httpmw/httpmw/internal/httpserve"
)

// runner keeps one listener per address and swaps the configuration served
// on them.
type runner struct {
	conf        string    // Caddyfile path
	host        string    // interface to listen on; "" for all
	defaultAddr string    // where the folder is served without a Caddyfile
	defaultRoot string    // the folder served without a Caddyfile
	logOut      io.Writer // access log of the default site; nil means os.Stdout
	limits      httpserve.Limits
	connState   func(net.Conn, http.ConnState) // test hook: http.Server.ConnState

	mu        sync.Mutex
	listeners map[string]*listener // by address as written in the config
	current   *generation
	draining  sync.WaitGroup // old generations and removed listeners finishing
}

// generation is one loaded configuration: its handlers by address, and
// what to close once no request uses it any more.
type generation struct {
	handlers map[string]http.Handler
	closer   io.Closer

	mu       sync.Mutex
	inflight int
	retiring bool
	idle     chan struct{} // closed when retiring and no request is in flight
}

// enter counts a request in; false once the generation is retiring.
func (g *generation) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.retiring {
		return false
	}
	g.inflight++
	return true
}

func (g *generation) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if g.retiring && g.inflight == 0 {
		close(g.idle)
	}
}

// retire waits for the requests in flight, then closes the configuration.
func (g *generation) retire() {
	g.mu.Lock()
	g.retiring = true
	if g.inflight == 0 {
		close(g.idle)
	}
	g.mu.Unlock()
	<-g.idle
	if err := g.closer.Close(); err != nil {
		slog.Warn("caddy: closing the old configuration", "err", err)
	}
}

// listener serves whatever generation is current for its address.
type listener struct {
	addr string
	srv  *http.Server
	ln   net.Listener
	cur  atomic.Pointer[route]
	done chan struct{} // closed when Serve returned
}

type route struct {
	gen *generation
	h   http.Handler
}

func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for {
		rt := l.cur.Load()
		// A retiring generation was replaced before it began to retire,
		// so the next Load finds its successor.
		if rt.gen.enter() {
			defer rt.gen.leave()
			rt.h.ServeHTTP(w, r)
			return
		}
	}
}

// load reads the Caddyfile, or builds the default site when there is none.
func (r *runner) load() (*generation, error) {
	src, err := os.ReadFile(r.conf)
	if errors.Is(err, os.ErrNotExist) {
		out := r.logOut
		if out == nil {
			out = os.Stdout
		}
		h, c, err := defaultSite(r.defaultRoot, out)
		if err != nil {
			return nil, err
		}
		slog.Info("caddy: no Caddyfile; serving the folder", "root", r.defaultRoot, "addr", r.defaultAddr)
		return &generation{handlers: map[string]http.Handler{r.defaultAddr: h}, closer: c, idle: make(chan struct{})}, nil
	}
	if err != nil {
		return nil, err
	}
	inst, err := caddyfile.Load(r.conf, src, nil)
	if err != nil {
		return nil, err
	}
	g := &generation{handlers: map[string]http.Handler{}, closer: inst, idle: make(chan struct{})}
	for _, s := range inst.Servers {
		g.handlers[s.Addr] = s.Handler
	}
	return g, nil
}

// start loads the configuration and listens on its addresses.
func (r *runner) start() error {
	r.listeners = map[string]*listener{}
	return r.reload()
}

// reload loads the file again and switches to it; on error the running
// configuration is untouched.
func (r *runner) reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	next, err := r.load()
	if err != nil {
		return err
	}
	// Listen on new addresses first: a port in use fails the reload
	// before anything changed.
	var opened []*listener
	for addr := range next.handlers {
		if r.listeners[addr] != nil {
			continue
		}
		l, err := r.listen(addr)
		if err != nil {
			for _, l := range opened {
				l.ln.Close()
			}
			next.closer.Close()
			return err
		}
		opened = append(opened, l)
	}
	for _, l := range opened {
		r.listeners[l.addr] = l
		l.cur.Store(&route{gen: next, h: next.handlers[l.addr]})
		go func(l *listener) {
			defer close(l.done)
			if err := l.srv.Serve(l.ln); !errors.Is(err, http.ErrServerClosed) {
				slog.Error("caddy: serve", "addr", l.addr, "err", err)
			}
		}(l)
		slog.Info("caddy: listening", "addr", l.ln.Addr().String())
	}
	for addr, l := range r.listeners {
		if h, ok := next.handlers[addr]; ok {
			l.cur.Store(&route{gen: next, h: h})
			continue
		}
		delete(r.listeners, addr) // gone from the file: stop taking requests
		r.draining.Add(1)
		go func() {
			defer r.draining.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			l.srv.Shutdown(ctx)
		}()
	}
	old := r.current
	r.current = next
	if old != nil {
		r.draining.Add(1)
		go func() {
			defer r.draining.Done()
			old.retire()
		}()
		slog.Info("caddy: configuration reloaded", "file", r.conf)
	}
	return nil
}

func (r *runner) listen(addr string) (*listener, error) {
	a := addr
	if r.host != "" {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		a = net.JoinHostPort(r.host, port)
	}
	ln, err := net.Listen("tcp", a)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", a, err)
	}
	l := &listener{addr: addr, ln: r.limits.Listener(ln), done: make(chan struct{})}
	l.srv = r.limits.Server(l)
	l.srv.ConnState = r.connState
	return l, nil
}

// shutdown stops the listeners, lets requests in flight finish, and closes
// the configuration.
func (r *runner) shutdown(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for addr, l := range r.listeners {
		l.srv.Shutdown(ctx)
		<-l.done
		delete(r.listeners, addr)
	}
	if r.current != nil {
		r.current.retire()
		r.current = nil
	}
	r.draining.Wait()
}

// addrs gives the address each listener is bound to, by configured address.
func (r *runner) addrs() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[string]string{}
	for a, l := range r.listeners {
		m[a] = l.ln.Addr().String()
	}
	return m
}
