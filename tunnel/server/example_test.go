package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/httpmw/httpmw/tunnel/server"
)

// A server on loopback with its own development CA. Clients connect to
// TunnelAddr trusting RootCAs; public requests go to HTTPAddr and are
// routed by Host.
func Example() {
	srv, err := server.New(server.Config{
		Domain:     "example.test",
		TunnelAddr: "127.0.0.1:0",
		HTTPAddr:   "127.0.0.1:0",
		Tokens:     map[string]string{"s3cret": "alice"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error)
	go func() { done <- srv.Serve(ctx) }()

	req, _ := http.NewRequest("GET", "http://"+srv.HTTPAddr().String()+"/", nil)
	req.Host = "demo.example.test"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	fmt.Println(res.StatusCode, string(body))
	fmt.Println("trust the dev CA:", srv.RootCAs() != nil)

	cancel()
	fmt.Println("Serve:", <-done)
	// Output:
	// 404 Tunnel demo.example.test not found
	// trust the dev CA: true
	// Serve: <nil>
}

func ExampleNew_badConfig() {
	_, err := server.New(server.Config{HTTPAddr: "127.0.0.1:0", TunnelAddr: "127.0.0.1:0"})
	fmt.Println(err)
	// Output:
	// server: Config.Tokens: no tokens and no Authenticate hook; set AllowAnonymous to accept anyone
}
