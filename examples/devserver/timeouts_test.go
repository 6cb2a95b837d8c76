package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw/internal/httpserve"
	"github.com/httpmw/httpmw/tunnel"
	"github.com/httpmw/httpmw/tunnel/server"
)

// limit is every timeout of short: the tests outlast it or trip it, and
// wait up to cutWait for a trip, so a busy machine only makes them slower.
const (
	limit   = 300 * time.Millisecond
	cutWait = 30 * time.Second
)

var short = httpserve.Limits{ReadHeaderTimeout: limit, BodyTimeout: limit, WriteTimeout: limit, IdleTimeout: limit}

// startNgrokd runs our ngrokd-compatible server, which takes the token
// "dev-token", until the test ends.
func startNgrokd(t *testing.T) *server.Server {
	t.Helper()
	ngrokd, err := server.New(server.Config{
		Domain:     "example.test",
		TunnelAddr: "127.0.0.1:0",
		HTTPAddr:   "127.0.0.1:0",
		Tokens:     map[string]string{"dev-token": "dev"},
	})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { ngrokd.Serve(context.Background()); close(served) }()
	t.Cleanup(func() { ngrokd.Close(); <-served })
	return ngrokd
}

// tunnelTo is the -tunnel configuration for ngrokd, subdomain demo.
func tunnelTo(ngrokd *server.Server) tunnel.Config {
	return tunnel.Config{
		Server:    ngrokd.TunnelAddr().String(),
		TLSConfig: &tls.Config{RootCAs: ngrokd.RootCAs(), ServerName: "localhost"},
		AuthToken: "dev-token",
		Endpoint:  tunnel.Endpoint{Subdomain: "demo"},
	}
}

// publicClient reaches ngrokd's http listener for any URL, as a browser
// resolving demo.example.test would.
func publicClient(ngrokd *server.Server) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, ngrokd.HTTPAddr().String())
		},
	}}
}

// endpoint is one way to the site: its URL, a client, and the address a
// raw client dials.
type endpoint struct {
	name   string
	url    string
	client *http.Client
	dial   string
}

// startSite serves h as the command does, under lim, locally and through
// a tunnel with the inspector on, until the test ends.
func startSite(t *testing.T, h http.Handler, lim httpserve.Limits) (urls, []endpoint) {
	t.Helper()
	ngrokd := startNgrokd(t)
	ready := make(chan urls, 1)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serveSite(ctx, options{
			listen: "127.0.0.1:0", tunnel: tunnelTo(ngrokd), inspect: "127.0.0.1:0", limits: lim,
			ready: func(u urls) { ready <- u },
		}, h)
	}()
	var u urls
	select {
	case u = <-ready:
	case err := <-done:
		t.Fatalf("serveSite: %v", err)
	case <-time.After(20 * time.Second): // a deadlock guard
		stop()
		t.Fatal("devserver did not start")
	}
	public := publicClient(ngrokd)
	t.Cleanup(func() {
		public.CloseIdleConnections()
		http.DefaultClient.CloseIdleConnections()
		stop()
		if err := <-done; err != nil {
			t.Errorf("serveSite after shutdown: %v", err)
		}
	})
	local, _ := url.Parse(u.local)
	return u, []endpoint{
		{"local", u.local, http.DefaultClient, local.Host},
		{"tunnel", u.public[0] + "/", public, ngrokd.HTTPAddr().String()},
	}
}

// TestLongDownloadOutlastsTheWriteTimeout: a response that keeps moving
// may take longer than every timeout, as a large file over a slow tunnel
// does, locally and through the tunnel; its request's context stays alive
// meanwhile.
func TestLongDownloadOutlastsTheWriteTimeout(t *testing.T) {
	ctxErr := make(chan error, 1)
	_, eps := startSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		for time.Since(start) < 3*limit { // a write every limit/6
			if _, err := io.WriteString(w, strings.Repeat("x", 1024)); err != nil {
				return
			}
			http.NewResponseController(w).Flush()
			time.Sleep(limit / 6)
		}
		io.WriteString(w, "end")
		ctxErr <- r.Context().Err()
	}), short)
	for _, ep := range eps {
		t.Run(ep.name, func(t *testing.T) {
			res, err := ep.client.Get(ep.url + "big")
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil || !strings.HasSuffix(string(body), "end") {
				t.Fatalf("download cut after %d bytes: %v", len(body), err)
			}
			if err := <-ctxErr; err != nil {
				t.Fatalf("the request's context ended mid-download: %v", err)
			}
		})
	}
}

// TestStalledReaderIsCut: a client that stops reading, locally or through
// the tunnel, holds the handler only until a write waits longer than the
// write timeout.
func TestStalledReaderIsCut(t *testing.T) {
	writeErr := make(chan error, 1)
	_, eps := startSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 64<<10))
		for {
			if _, err := w.Write(chunk); err != nil {
				writeErr <- err
				return
			}
		}
	}), short)
	for _, ep := range eps {
		t.Run(ep.name, func(t *testing.T) {
			u, _ := url.Parse(ep.url)
			c, err := net.Dial("tcp", ep.dial)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: "+u.Host+"\r\n\r\n") // and never read
			select {
			case err := <-writeErr:
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					t.Fatalf("write error %v, want a timeout", err)
				}
			case <-time.After(cutWait):
				t.Fatal("a reader that never reads holds the handler")
			}
		})
	}
}

// TestEventStreamOutlivesTheLimits: the inspector's live stream, served
// under the same short limits, stays open past all of them and still
// delivers an exchange that comes later.
func TestEventStreamOutlivesTheLimits(t *testing.T) {
	u, eps := startSite(t, http.NotFoundHandler(), short)
	ctx, cancel := context.WithTimeout(context.Background(), cutWait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", u.inspector+"api/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("events: %d %q", res.StatusCode, ct)
	}
	// The limits must pass with the stream open; nothing to wait for but
	// the clock, and a slower machine only lets more time pass.
	time.Sleep(3 * limit)
	late, err := eps[1].client.Get(eps[1].url + "late")
	if err != nil {
		t.Fatal(err)
	}
	late.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), `"/late"`) {
			return
		}
	}
	t.Fatalf("the stream ended before the late event: %v", sc.Err())
}
