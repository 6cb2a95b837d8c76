package reverseproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/balancer"
)

// frontTimeout is front with the server's ReadTimeout set, so that a body
// that stalls fails to read as it would behind a real server.
func frontTimeout(t *testing.T, c Config, readTimeout time.Duration) (*httptest.Server, *Proxy, *reports) {
	t.Helper()
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	rep := &reports{ch: make(chan report, 64)}
	srv := httptest.NewUnstartedServer(httpmw.Adapter{OnError: rep.add}.Handler(p))
	srv.Config.ReadTimeout = readTimeout
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	return srv, p, rep
}

// rawStatus sends raw bytes to addr, stops writing (a half-close, when
// closeWrite) and returns the status of the answer.
func rawStatus(t *testing.T, addr, raw string, closeWrite bool) int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second)) // a hang fails the test instead of the run
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	if closeWrite {
		c.(*net.TCPConn).CloseWrite()
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		if closeWrite {
			return 0 // a client that left may get no answer; the report counts
		}
		t.Fatalf("no answer: %v", err)
	}
	res.Body.Close()
	return res.StatusCode
}

// A client's broken request body is the client's fault: the answer says so
// (400, 408, 499), and neither upstream is marked failed, so round robin
// goes on alternating between the two.
func TestClientBodyFaultNotBlamedOnUpstream(t *testing.T) {
	cases := []struct {
		name       string
		raw        string
		closeWrite bool
		maxBody    int64
		status     int // what the client gets; -1: it left, whatever it gets
		reported   int
		err        error
	}{{
		name: "malformed chunked",
		raw: "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5\r\nhello\r\nZZ-not-hex\r\nmore\r\n0\r\n\r\n",
		status: 400, reported: 400, err: ErrBadRequest,
	}, {
		name: "malformed chunked, idempotent and buffered",
		raw: "PUT /doc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5\r\nhello\r\n5\r\nworldXX\r\n0\r\n\r\n",
		status: 400, reported: 400, err: ErrBadRequest,
	}, {
		name:       "client leaves mid-body",
		raw:        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nhalf a body",
		closeWrite: true, status: -1,
		reported: StatusClientClosed, err: ErrClientClosed,
	}, {
		name:       "client leaves mid-chunk",
		raw:        "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100\r\nshort",
		closeWrite: true, status: -1,
		reported: StatusClientClosed, err: ErrClientClosed,
	}, {
		name:   "body stalls past ReadTimeout",
		raw:    "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nthen nothing",
		status: 408, reported: 408, err: ErrBadRequest,
	}, {
		name:    "chunked body over MaxBodyBytes",
		maxBody: 8,
		raw: "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"10\r\n0123456789abcdef\r\n0\r\n\r\n",
		status: 413, reported: 413, err: ErrBodyTooLarge,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := startUpstream(t, echo("a")), startUpstream(t, echo("b"))
			srv, p, rep := frontTimeout(t, Config{Balancer: balancer.Config{
				Upstreams: []balancer.Upstream{{Addr: a.Addr}, {Addr: b.Addr}},
				Policy:    balancer.PolicyRoundRobin,
			}, MaxBodyBytes: tc.maxBody}, 500*time.Millisecond)

			if got := rawStatus(t, srv.Listener.Addr().String(), tc.raw, tc.closeWrite); tc.status >= 0 && got != tc.status {
				t.Errorf("client got %d, want %d", got, tc.status)
			}
			r := waitReport(t, rep)
			if r.status != tc.reported || !errors.Is(r.err, tc.err) {
				t.Errorf("reported %d %v, want %d wrapping %v", r.status, r.err, tc.reported, tc.err)
			}
			for _, h := range p.Pool().Hosts() {
				if !h.Healthy() {
					t.Errorf("upstream %s marked failed for the client's body", h)
				}
			}
			served := map[string]int{}
			for range 4 {
				res, _ := get(t, mustRequest(t, srv.URL+"/next"))
				served[res.Header.Get("X-Upstream")]++
			}
			if served["a"] != 2 || served["b"] != 2 {
				t.Errorf("next 4 requests went to %v, want 2 each", served)
			}
		})
	}
}

func mustRequest(t *testing.T, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
