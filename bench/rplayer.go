package main

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/reverseproxy"
)

// The layer rows measure what each proxy does around the upstream
// exchange, and nothing else: the exchange is a canned 1 KB answer from a
// RoundTripper, so neither the network nor the Transport's goroutines are
// in the figures, and no neighbour on the machine moves them much. What is
// left is request building, header copies, the balancer, the wrappers and
// the body copy: the part of the wrk rows' gap a proxy's own code decides.
// (httpmw pays one more allocation here than with its own Transport: a
// caller's RoundTripper gets the upstream in the context.)
func rpLayerComparison() Comparison {
	return Comparison{
		Package: "reverseproxy", Case: "handler layer, canned 1 KB upstream answer",
		Ours: GoBench(func(b *testing.B) {
			p, err := reverseproxy.New(reverseproxy.Config{Transport: cannedUpstream{}, Balancer: balancer.Config{
				Upstreams: []balancer.Upstream{{Addr: "127.0.0.1:1"}, {Addr: "127.0.0.1:2"}},
			}})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			rpLayerLoop(b, httpmw.ToHTTP(p))
		}),
		Peers: []Peer{
			{rpLeanName, GoBench(func(b *testing.B) {
				lean := newLeanProxy("127.0.0.1:1", "127.0.0.1:2")
				lean.rt = cannedUpstream{}
				rpLayerLoop(b, lean)
			})},
			{rpTunedName, GoBench(func(b *testing.B) {
				h, _, err := rpTunedOn(cannedUpstream{}, "127.0.0.1:1", "127.0.0.1:2")
				if err != nil {
					b.Fatal(err)
				}
				rpLayerLoop(b, h)
			})},
		},
	}
}

func rpLayerLoop(b *testing.B, h http.Handler) {
	r, err := http.NewRequest("GET", "http://example.com/", nil)
	if err != nil {
		b.Fatal(err)
	}
	r.RemoteAddr = "127.0.0.1:5555"
	r.Header.Set("User-Agent", "wrk")
	r.Header.Set("Accept", "*/*")
	for b.Loop() {
		h.ServeHTTP(&rpRecorder{h: http.Header{}}, r)
	}
}

// cannedUpstream answers every request with rpBodySize bytes at once.
type cannedUpstream struct{}

var cannedBody = bytes.Repeat([]byte("x"), rpBodySize)

func (cannedUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			"Content-Type":   {"text/plain"},
			"Content-Length": {strconv.Itoa(rpBodySize)},
			"Date":           {"Sun, 06 Dec 2026 07:00:00 GMT"},
		},
		Body: io.NopCloser(bytes.NewReader(cannedBody)), ContentLength: rpBodySize, Request: r,
	}, nil
}
