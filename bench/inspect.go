package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strings"
	"sync"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/tunnel/inspect"
)

// inspectComparisons measures what recording costs per request: the
// inspector's middleware against no recording at all, and against the
// naive recorder (httputil.DumpRequest plus an httptest.ResponseRecorder
// copied out), which keeps whole bodies and buffers the response.
func inspectComparisons() []Comparison {
	reqBody := strings.Repeat(`{"k":"v"},`, 100) // 1 KB
	resBody := []byte(strings.Repeat("r", 1024))
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(resBody)
	})
	loop := func(h http.Handler) func(b *testing.B) {
		return func(b *testing.B) {
			w := &discard{h: http.Header{}}
			body := strings.NewReader(reqBody)
			r := httptest.NewRequest("POST", "/orders?x=1", body)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer t")
			for b.Loop() {
				body.Reset(reqBody)
				r.Body = io.NopCloser(body)
				h.ServeHTTP(w, r)
			}
		}
	}
	ours := func(b *testing.B) {
		in, err := inspect.New(inspect.Config{})
		if err != nil {
			b.Fatal(err)
		}
		defer in.Close()
		loop(httpmw.ToHTTP(in.Middleware(httpmw.FromHTTP(app))))(b)
	}
	naive := func(b *testing.B) {
		var mu sync.Mutex
		var ring [][]byte
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			dump, _ := httputil.DumpRequest(r, true)
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			mu.Lock()
			ring = append(ring, append(dump, rec.Body.Bytes()...))
			if len(ring) > 500 {
				ring = ring[1:]
			}
			mu.Unlock()
		})
		loop(h)(b)
	}
	return []Comparison{{
		Package: "inspect", Case: "record 1 KB POST + 1 KB response",
		Ours: GoBench(ours),
		Peers: []Peer{
			{"no recording (bare handler)", GoBench(loop(app))},
			{"httputil.DumpRequest + ResponseRecorder", GoBench(naive)},
		},
	}}
}
