package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/httpmw/httpmw"
)

// discard is a ResponseWriter that costs nothing, so only the code under
// test shows in the figures.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func serveLoop(h http.Handler) func(b *testing.B) {
	return func(b *testing.B) {
		w := &discard{h: http.Header{}}
		r := httptest.NewRequest("GET", "/hello", nil)
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	}
}

func adapterComparisons() []Comparison {
	hello := func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }
	ours := httpmw.ToHTTP(httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		hello(w, r)
		return http.StatusOK, nil
	}))

	passThrough := func(next httpmw.Handler) httpmw.Handler { return next }
	chiOurs := chi.NewRouter()
	chiOurs.Use(httpmw.ToHTTPMiddleware(passThrough), httpmw.ToHTTPMiddleware(passThrough))
	chiOurs.Get("/hello", hello)
	// The peer wraps as every real std middleware does (a closure calling
	// next), so both sides pay for two layers, not for none.
	stdPassThrough := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r) })
	}
	chiPeer := chi.NewRouter()
	chiPeer.Use(stdPassThrough, stdPassThrough)
	chiPeer.Get("/hello", hello)

	return []Comparison{
		{
			Package: "adapter", Case: "trivial handler",
			Ours:  GoBench(serveLoop(ours)),
			Peers: []Peer{{"bare http.Handler", GoBench(serveLoop(http.HandlerFunc(hello)))}},
		},
		{
			Package: "adapter", Case: "chi, 2 pass-through middlewares",
			Ours:  GoBench(serveLoop(chiOurs)),
			Peers: []Peer{{"chi std middlewares", GoBench(serveLoop(chiPeer))}},
		},
	}
}
