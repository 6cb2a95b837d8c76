package tunnel_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

// Example serves a handler to the public through a tunnel server that it
// starts itself on loopback (in real use, the server runs elsewhere and
// its certificate is signed by a CA the system trusts).
func Example() {
	srv, err := server.New(server.Config{
		Domain:     "example.test",
		TunnelAddr: "127.0.0.1:0",
		HTTPAddr:   "127.0.0.1:0",
		Tokens:     map[string]string{"my-token": "me"},
	})
	if err != nil {
		panic(err)
	}
	go srv.Serve(context.Background())
	defer srv.Close()

	l, err := tunnel.Listen(context.Background(), tunnel.Config{
		Server:    srv.TunnelAddr().String(),
		TLSConfig: &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost"},
		AuthToken: "my-token",
		Endpoint:  tunnel.Endpoint{Subdomain: "demo"},
	})
	if err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() {
		served <- http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello from behind the tunnel")
		}))
	}()

	// A public client: demo.example.test is not in DNS, so it goes to the
	// server's HTTP address with the tunnel's Host.
	pub, _ := url.Parse(l.URL())
	req, _ := http.NewRequest("GET", "http://"+srv.HTTPAddr().String()+"/", nil)
	req.Host = pub.Host
	req.Close = true
	res, err := http.DefaultTransport.(*http.Transport).Clone().RoundTrip(req)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(pub.Hostname())
	fmt.Println(string(body))

	l.Close()
	<-served
	// Output:
	// demo.example.test
	// hello from behind the tunnel
}

// ExampleSession_Listen opens an http and a tcp tunnel on one control
// connection.
func ExampleSession_Listen() {
	srv, err := server.New(server.Config{
		Domain:     "example.test",
		TunnelAddr: "127.0.0.1:0",
		HTTPAddr:   "127.0.0.1:0",
		TCPAddr:    "127.0.0.1",
		Tokens:     map[string]string{"my-token": "me"},
	})
	if err != nil {
		panic(err)
	}
	go srv.Serve(context.Background())
	defer srv.Close()

	ctx := context.Background()
	s, err := tunnel.Dial(ctx, tunnel.Config{
		Server:    srv.TunnelAddr().String(),
		TLSConfig: &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost"},
		AuthToken: "my-token",
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	web, err := s.Listen(ctx, tunnel.Endpoint{Protocol: "http", Subdomain: "web"})
	if err != nil {
		panic(err)
	}
	raw, err := s.Listen(ctx, tunnel.Endpoint{Protocol: "tcp"})
	if err != nil {
		panic(err)
	}
	fmt.Println(web.Addr().Network(), strings.HasPrefix(web.URL(), "http://web.example.test:"))
	fmt.Println(raw.Addr().Network(), strings.HasPrefix(raw.URL(), "tcp://example.test:"))
	// Output:
	// http true
	// tcp true
}
