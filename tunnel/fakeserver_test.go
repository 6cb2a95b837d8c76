package tunnel

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// fakeServer is a scriptable ngrokd on loopback, built on the wire package,
// for the faults a real server will not produce on demand. The end-to-end
// tests against tunnel/server sit beside it.
type fakeServer struct {
	t     *testing.T
	addr  string
	cert  tls.Certificate
	roots *x509.CertPool

	// Knobs, set before the client connects.
	authError   string      // AuthResp.Error to send
	tunnelError string      // NewTunnel.Error to send
	noReqProxy  bool        // send no ReqProxy after AuthResp
	muteAuth    bool        // never answer Auth
	muteTunnels bool        // never answer ReqTunnel
	silent      atomic.Bool // do not answer Ping

	auths   chan *wire.Auth // every Auth received
	regs    atomic.Int64    // RegProxy received
	pooled  chan struct{}   // one per proxy connection pooled
	tunnels chan *wire.ReqTunnel

	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]struct{}
	clients map[string]*fakeClient // by client id
	routes  map[string]string      // url -> client id
	wg      sync.WaitGroup
}

type fakeClient struct {
	ctl  net.Conn
	wmu  sync.Mutex
	pool chan net.Conn
}

func (c *fakeClient) write(m wire.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return wire.Write(c.ctl, m)
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake ngrokd"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	f := &fakeServer{
		t:       t,
		cert:    tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		roots:   x509.NewCertPool(),
		auths:   make(chan *wire.Auth, 64),
		pooled:  make(chan struct{}, 1024),
		tunnels: make(chan *wire.ReqTunnel, 64),
		routes:  map[string]string{},
	}
	f.roots.AddCert(leaf)
	f.listen("127.0.0.1:0")
	t.Cleanup(f.close)
	return f
}

// config is a client Config for f with test-sized timers.
func (f *fakeServer) config() Config {
	return Config{
		Server:       f.addr,
		TLSConfig:    &tls.Config{RootCAs: f.roots},
		AuthToken:    "secret-token",
		PingInterval: time.Hour,
		BackoffMin:   5 * time.Millisecond,
		BackoffMax:   20 * time.Millisecond,
		ReplyTimeout: 5 * time.Second,
	}
}

func (f *fakeServer) listen(addr string) {
	ln, err := tls.Listen("tcp", addr, &tls.Config{Certificates: []tls.Certificate{f.cert}})
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.ln = ln
	f.addr = ln.Addr().String()
	f.conns = map[net.Conn]struct{}{}
	f.clients = map[string]*fakeClient{}
	f.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns[c] = struct{}{}
			f.mu.Unlock()
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				f.handle(c)
			}()
		}
	}()
}

// stop closes the listener and every connection, as a crash would.
func (f *fakeServer) stop() {
	f.mu.Lock()
	f.ln.Close()
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// restart stops the server and starts it again on the same address, with
// no memory of its clients.
func (f *fakeServer) restart() {
	f.stop()
	f.listen(f.addr)
}

func (f *fakeServer) close() { f.stop() }

func (f *fakeServer) handle(c net.Conn) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	m, err := wire.Read(c, 0)
	if err != nil {
		c.Close()
		return
	}
	c.SetDeadline(time.Time{})
	switch m := m.(type) {
	case *wire.Auth:
		defer c.Close()
		f.control(c, m)
	case *wire.RegProxy:
		f.regs.Add(1)
		f.mu.Lock()
		cl := f.clients[m.ClientId]
		f.mu.Unlock()
		if cl == nil {
			c.Close()
			return
		}
		select {
		case cl.pool <- c: // stays open for open(), or until stop
			record(f.pooled, struct{}{})
		default:
			c.Close()
		}
	default:
		c.Close()
	}
}

func (f *fakeServer) control(c net.Conn, auth *wire.Auth) {
	record(f.auths, auth)
	if f.muteAuth {
		io.Copy(io.Discard, c) // until the client or stop closes it
		return
	}
	if f.authError != "" {
		wire.Write(c, &wire.AuthResp{Version: "2", MmVersion: "1.7", Error: f.authError})
		return
	}
	id := auth.ClientId
	if id == "" {
		b := make([]byte, 16)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	cl := &fakeClient{ctl: c, pool: make(chan net.Conn, 64)}
	f.mu.Lock()
	if old := f.clients[id]; old != nil {
		old.ctl.Close()
	}
	f.clients[id] = cl
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		if f.clients[id] == cl {
			delete(f.clients, id)
		}
		f.mu.Unlock()
	}()
	cl.write(&wire.AuthResp{Version: "2", MmVersion: "1.7", ClientId: id})
	if !f.noReqProxy {
		cl.write(&wire.ReqProxy{})
	}
	for {
		m, err := wire.Read(c, 0)
		if err != nil {
			return
		}
		switch m := m.(type) {
		case *wire.ReqTunnel:
			record(f.tunnels, m)
			if f.muteTunnels {
				continue
			}
			if f.tunnelError != "" {
				cl.write(&wire.NewTunnel{Error: f.tunnelError})
				continue
			}
			for _, proto := range strings.Split(m.Protocol, "+") {
				url := fakeURL(proto, m)
				f.mu.Lock()
				f.routes[url] = id
				f.mu.Unlock()
				cl.write(&wire.NewTunnel{ReqId: m.ReqId, Url: url, Protocol: proto})
			}
		case *wire.Ping:
			if !f.silent.Load() {
				cl.write(&wire.Pong{})
			}
		}
	}
}

func fakeURL(proto string, m *wire.ReqTunnel) string {
	switch {
	case proto == "tcp":
		return fmt.Sprintf("tcp://fake.test:%d", 30000+int(m.RemotePort)%1000)
	case m.Hostname != "":
		return proto + "://" + m.Hostname
	case m.Subdomain != "":
		return proto + "://" + m.Subdomain + ".fake.test"
	}
	return proto + "://" + m.ReqId[:8] + ".fake.test"
}

// takeProxy takes a pooled proxy connection of the client that owns url,
// without starting it.
func (f *fakeServer) takeProxy(url string) (net.Conn, error) {
	f.mu.Lock()
	cl := f.clients[f.routes[url]]
	f.mu.Unlock()
	if cl == nil {
		return nil, fmt.Errorf("fake: no tunnel %s", url)
	}
	select {
	case p := <-cl.pool:
		return p, nil
	case <-time.After(5 * time.Second):
		return nil, errors.New("fake: no proxy connection")
	}
}

// dropControls closes every control connection, as a network fault would.
func (f *fakeServer) dropControls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, cl := range f.clients {
		cl.ctl.Close()
	}
}

// open makes a public connection to url: it takes a pooled proxy of the
// client that owns url (asking for one with ReqProxy if there is none),
// sends StartProxy, and returns the server's end.
func (f *fakeServer) open(url, clientAddr string) (net.Conn, error) {
	f.mu.Lock()
	cl := f.clients[f.routes[url]]
	f.mu.Unlock()
	if cl == nil {
		return nil, fmt.Errorf("fake: no tunnel %s", url)
	}
	var proxy net.Conn
	select {
	case proxy = <-cl.pool:
	default:
		cl.write(&wire.ReqProxy{})
		select {
		case proxy = <-cl.pool:
		case <-time.After(5 * time.Second):
			return nil, errors.New("fake: no proxy connection")
		}
	}
	if err := wire.Write(proxy, &wire.StartProxy{Url: url, ClientAddr: clientAddr}); err != nil {
		proxy.Close()
		return nil, err
	}
	cl.write(&wire.ReqProxy{}) // replace it, as ngrokd does
	return proxy, nil
}

// httpClient is an HTTP client whose connections go through the tunnel at
// url, from the public address 203.0.113.7:4242.
func (f *fakeServer) httpClient(url string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			return f.open(url, "203.0.113.7:4242")
		},
	}}
}

// rawFrame is a frame with any length prefix.
func rawFrame(length int64, body string) []byte {
	b := make([]byte, 8, 8+len(body))
	binary.LittleEndian.PutUint64(b, uint64(length))
	return append(b, body...)
}

// inject writes raw bytes on every live control connection.
func (f *fakeServer) inject(raw []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, cl := range f.clients {
		cl.wmu.Lock()
		cl.ctl.Write(raw)
		cl.wmu.Unlock()
	}
}

// record sends v for the test to see, dropping it rather than blocking the
// fake server when nobody looks.
func record[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}
