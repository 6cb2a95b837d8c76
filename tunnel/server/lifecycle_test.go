package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testhttp"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

func TestConfigErrorsNameTheField(t *testing.T) {
	base := Config{TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", AllowAnonymous: true}
	for field, edit := range map[string]func(*Config){
		"Domain":             func(c *Config) { c.Domain = "a.test:80" },
		"HTTPAddr":           func(c *Config) { c.HTTPAddr = "" },
		"TCPAddr":            func(c *Config) { c.TCPAddr = "localhost" },
		"TCPPortMin":         func(c *Config) { c.TCPPortMin, c.TCPPortMax = 9000, 8000 },
		"Tokens":             func(c *Config) { c.AllowAnonymous = false },
		"MaxFrame":           func(c *Config) { c.MaxFrame = 10 },
		"PingTimeout":        func(c *Config) { c.PingTimeout = -time.Second },
		"MaxPublicConns":     func(c *Config) { c.MaxPublicConns = -1 },
		"HandshakeTimeout":   func(c *Config) { c.HandshakeTimeout = -time.Second },
		"PublicWriteTimeout": func(c *Config) { c.PublicWriteTimeout = -time.Second },
	} {
		cfg := base
		edit(&cfg)
		_, err := New(cfg)
		var ce *httpmw.ConfigError
		if !errors.As(err, &ce) || ce.Package != "server" || ce.Field != "Config."+field {
			t.Errorf("%s: got %v, want an *httpmw.ConfigError for Config.%[1]s", field, err)
		}
	}
	if err := ListenAndServe(context.Background(), Config{}); err == nil {
		t.Error("ListenAndServe with a zero Config: no error")
	}
}

func TestVersionMismatchAndAuthHooks(t *testing.T) {
	srv := newTestServer(t, func(c *Config) {
		c.Tokens = nil
		c.Authenticate = func(token string) (string, error) {
			if acct, ok := strings.CutPrefix(token, "user-"); ok {
				return acct, nil
			}
			return "", errors.New("token expired")
		}
	})
	conn := dialTunnel(t, srv)
	defer conn.Close()
	wire.Write(conn, &wire.Auth{Version: "1", MmVersion: "1.3", User: "user-x"})
	m, err := wire.Read(conn, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e := m.(*wire.AuthResp).Error; !strings.HasPrefix(e, "Incompatible versions. Server 1.7, client 1.3.") {
		t.Fatalf("version error %q", e)
	}
	if _, resp := connect(t, srv, "nope", "", ""); resp.Error != "token expired" {
		t.Fatalf("hook refusal: %+v", resp)
	}
	c, resp := connect(t, srv, "user-carol", "", "")
	if resp.Error != "" {
		t.Fatal(resp.Error)
	}
	c.tunnel(&wire.ReqTunnel{ReqId: "1", Protocol: "http", Subdomain: "carol"})
	if st := srv.Stats(); st.Tunnels[0].Account != "carol" || st.AuthFailures != 1 {
		t.Fatalf("stats %+v", st)
	}

	anon := newTestServer(t, func(c *Config) { c.Tokens = nil; c.AllowAnonymous = true })
	if _, resp := connect(t, anon, "", "", ""); resp.Error != "" {
		t.Fatalf("anonymous refused: %s", resp.Error)
	}
}

func TestCloseLetsRequestsFinish(t *testing.T) {
	srv, err := New(Config{Domain: "example.test", TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", AllowAnonymous: true, ShutdownTimeout: patience})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background()) }()
	entered, release := make(chan struct{}), make(chan struct{})
	local := newLocal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release // until Close has begun
		io.WriteString(w, "finished")
	}))
	c, _ := connect(t, srv, "", "", local)
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "1", Protocol: "http", Subdomain: "slow"})[0]
	got := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+srv.HTTPAddr().String()+"/", nil)
		req.Host = strings.TrimPrefix(nt.Url, "http://")
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		res, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- string(b)
	}()
	<-entered
	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	// Close has begun once the public listener refuses connections.
	testhttp.WaitFor(t, func() bool {
		c, err := net.Dial("tcp", srv.HTTPAddr().String())
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	close(release)
	if body := <-got; body != "finished" {
		t.Fatalf("request in flight during Close got %q", body)
	}
	<-closed
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if err := srv.Serve(context.Background()); err != ErrServing {
		t.Fatalf("second Serve: %v", err)
	}
}
