package gzip_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/gzip"
)

// FuzzWriter writes a body in chunks of fuzzed sizes, with flushes in
// between, and checks that what leaves the middleware decodes to exactly
// the body, whatever was chosen. httptest.ResponseRecorder stands in for
// the connection here; the real-server tests cover the rest.
func FuzzWriter(f *testing.F) {
	f.Add([]byte("hello"), []byte{1, 2, 3}, uint16(512), false)
	f.Add(bytes.Repeat([]byte("abc "), 500), []byte{200, 0, 7, 255}, uint16(100), true)
	f.Add(bytes.Repeat([]byte{0}, 3000), []byte{}, uint16(1), false)
	// A few middlewares built once: their pooled encoders are reused
	// across inputs, as in a server.
	var mws []httpmw.Middleware
	for _, min := range []int{1, 100, 512, 2000} {
		mw, err := gzip.New(gzip.Config{MinLength: min, Types: []string{"*"}, SkipTypes: []string{}})
		if err != nil {
			f.Fatal(err)
		}
		mws = append(mws, mw.Middleware)
	}
	f.Fuzz(func(t *testing.T, body, chunks []byte, minLength uint16, zstdClient bool) {
		h := mws[int(minLength)%len(mws)](httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
			rest := body
			for i := 0; len(rest) > 0; i++ {
				n := len(rest)
				if i < len(chunks) {
					n = min(n, int(chunks[i])*8)
				}
				w.Write(rest[:n])
				rest = rest[n:]
				if i < len(chunks) && chunks[i]%3 == 0 {
					w.(http.Flusher).Flush()
				}
			}
		}))
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		enc := "gzip"
		if zstdClient {
			enc = "zstd"
		}
		r.Header.Set("Accept-Encoding", enc)
		if _, err := h.ServeHTTP(rec, r); err != nil {
			t.Fatal(err)
		}
		got := rec.Body.Bytes()
		switch ce := rec.Header().Get("Content-Encoding"); ce {
		case "":
		case "gzip":
			zr, err := kgzip.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if got, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		case "zstd":
			zr, err := zstd.NewReader(bytes.NewReader(got), zstd.WithDecoderConcurrency(1))
			if err != nil {
				t.Fatal(err)
			}
			got, err = io.ReadAll(zr)
			zr.Close()
			if err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("Content-Encoding %q", ce)
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("decoded %d bytes, want the %d written", len(got), len(body))
		}
	})
}

// FuzzETagLists sends fuzzed If-None-Match lists through the middleware
// to a handler that answers 304 to its own tag, and checks nothing
// panics and the handler never sees a tag the client did not send in
// some form.
func FuzzETagLists(f *testing.F) {
	for _, s := range []string{`"v1-gzip"`, `W/"v1-gzip", "v1-gzip-gzip"`, `*`, `"`, `"a-gzip`, `""-gzip"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, inm string) {
		if strings.ContainsAny(inm, "\r\n\x00") {
			return
		}
		mw, _ := gzip.New(gzip.Config{})
		var seen string
		h := mw.Middleware(httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = r.Header.Get("If-None-Match")
			w.Header().Set("ETag", `"v1"`)
			w.WriteHeader(http.StatusNotModified)
		}))
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		r.Header.Set("If-None-Match", inm)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if len(seen) > len(inm) || (!strings.Contains(inm, `-gzip"`) && seen != inm) {
			t.Fatalf("client sent %q, handler saw %q", inm, seen)
		}
		if r.Header.Get("If-None-Match") != inm {
			t.Fatal("the caller's request was modified")
		}
	})
}
