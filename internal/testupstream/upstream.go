// Package testupstream is a real HTTP server on loopback for tests of code
// that talks to backends: it can be killed, as a crash would, and started
// again on the same address.
package testupstream

import (
	"net"
	"net/http"
	"testing"
)

// Server is one backend. Addr stays the same across Kill and Restart.
type Server struct {
	Addr string

	t       testing.TB
	network string
	handler http.Handler
	srv     *http.Server
	done    chan struct{}
}

// Start serves h on network ("tcp", "unix") and addr ("127.0.0.1:0" picks a
// free port); the server is killed when the test ends.
func Start(t testing.TB, network, addr string, h http.Handler) *Server {
	u := &Server{t: t, network: network, Addr: addr, handler: h}
	u.Restart()
	t.Cleanup(u.Kill)
	return u
}

// Restart listens on Addr again and serves. Call it only after Kill.
func (u *Server) Restart() {
	l, err := net.Listen(u.network, u.Addr)
	if err != nil {
		u.t.Fatal(err)
	}
	u.Addr = l.Addr().String()
	u.srv = &http.Server{Handler: u.handler}
	u.done = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		_ = srv.Serve(l)
	}(u.srv, u.done)
}

// Kill closes the listener and every connection, as a crash would. It is
// a no-op when the server is already down.
func (u *Server) Kill() {
	if u.srv == nil {
		return
	}
	u.srv.Close()
	<-u.done
	u.srv = nil
}
