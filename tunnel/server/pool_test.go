package server

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// A client that dials one proxy connection per ReqProxy, as the stock one
// does, is asked for about one per public connection, not two.
func TestProxyRequestsFollowDemand(t *testing.T) {
	srv := newTestServer(t, nil)
	local := echoServer(t)
	c, _ := connect(t, srv, "alice-token", "", local.Listener.Addr().String())
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "d", Protocol: "http", Subdomain: "demand"})[0]
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: patience}
	const requests, parallel = 60, 8
	start := time.Now()
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range requests / parallel {
				if code, body := publicGet(t, client, srv, nt.Url, "/", nil); code != 200 {
					t.Errorf("got %d %q", code, body)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d ReqProxy for %d public connections", c.asks.Load(), requests/parallel*parallel)
	// One per public connection, the first one after AuthResp, the
	// reserve, and slack for requests crossing in flight and for a round
	// asked again each askRetry that the test took: a slow machine makes
	// more rounds, not a wrong count. The old policy (ask when empty and
	// again after each take) asked close to twice.
	rounds := int64(time.Since(start)/askRetry) + 1
	if got, most := c.asks.Load(), int64(requests/parallel*parallel+1+(1+rounds)*(proxyReserve+parallel)); got > most {
		t.Fatalf("%d ReqProxy for %d public connections in %d askRetry rounds, want at most %d", got, requests/parallel*parallel, rounds, most)
	}
}

// ReqProxy messages the client never answers (its dial failed) are sent
// again, so a public connection waiting on an empty pool is served.
func TestLostProxyRequestsAskedAgain(t *testing.T) {
	srv := newTestServer(t, nil)
	local := echoServer(t)
	// Everything asked before and for the first public request goes
	// unanswered: the one after AuthResp, then the request's own and the
	// reserve, minus the one already asked.
	c, _ := connect(t, srv, "alice-token", "", local.Listener.Addr().String(), 1+proxyReserve)
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "l", Protocol: "http", Subdomain: "lost"})[0]
	start := time.Now()
	if code, body := publicGet(t, newHTTPClient(t), srv, nt.Url, "/", nil); code != 200 {
		t.Fatalf("got %d %q", code, body)
	}
	if waited := time.Since(start); waited < askRetry {
		t.Fatalf("served after %v, before any request was asked again", waited)
	}
}
