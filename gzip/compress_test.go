package gzip_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/httpmw/httpmw/gzip"
)

func TestCompressesGzipAndZstd(t *testing.T) {
	body := text(20 << 10)
	h := compressed(t, gzip.Config{}, serve(body, "Content-Type: text/html; charset=utf-8", `ETag: "v1"`, "Content-Length: 20480", "Accept-Ranges: bytes"))
	protocols(t, h, func(t *testing.T, s testServer) {
		for _, tt := range []struct{ ae, want string }{
			{"gzip", "gzip"},
			{"zstd", "zstd"},
			{"gzip, deflate, br, zstd", "zstd"}, // Chrome's list: zstd preferred on a tie
			{"gzip;q=1, zstd;q=0.5", "gzip"},
		} {
			resp, raw := s.get(t, "/page.html", "Accept-Encoding: "+tt.ae)
			if got := resp.Header.Get("Content-Encoding"); got != tt.want {
				t.Fatalf("AE %q: Content-Encoding %q, want %q", tt.ae, got, tt.want)
			}
			if got := decode(t, resp, raw); !bytes.Equal(got, body) {
				t.Fatalf("AE %q: decoded body differs (%d bytes, want %d)", tt.ae, len(got), len(body))
			}
			if len(raw) >= len(body)/3 {
				t.Errorf("AE %q: %d bytes on the wire for %d", tt.ae, len(raw), len(body))
			}
			if resp.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary = %q", resp.Header.Get("Vary"))
			}
			if resp.ContentLength != -1 && resp.ContentLength != int64(len(raw)) {
				t.Errorf("Content-Length %d for %d bytes on the wire", resp.ContentLength, len(raw))
			}
			if got, want := resp.Header.Get("ETag"), `"v1-`+tt.want+`"`; got != want {
				t.Errorf("ETag %q, want %q", got, want)
			}
			if resp.Header.Get("Accept-Ranges") != "" {
				t.Error("Accept-Ranges kept on an encoded body")
			}
		}
	})
}

func TestGoClientDecodesTransparently(t *testing.T) {
	body := text(100 << 10)
	h := compressed(t, gzip.Config{Prefer: []string{"gzip"}}, serve(body, "Content-Type: application/json"))
	protocols(t, h, func(t *testing.T, s testServer) {
		tr := s.Client.Transport.(*http.Transport).Clone()
		tr.DisableCompression = false // the default: ask for gzip, decode it
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get(s.URL + "/data.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got bytes.Buffer
		if _, err := got.ReadFrom(resp.Body); err != nil {
			t.Fatal(err)
		}
		if !resp.Uncompressed || !bytes.Equal(got.Bytes(), body) {
			t.Fatalf("Uncompressed=%v, body %d bytes equal=%v", resp.Uncompressed, got.Len(), bytes.Equal(got.Bytes(), body))
		}
	})
}

func TestStreamedBodyCompressedOncePastMinLength(t *testing.T) {
	body := text(4000)
	h := compressed(t, gzip.Config{MinLength: 1000}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < len(body); i += 7 {
			w.Write(body[i:min(i+7, len(body))])
		}
	}))
	protocols(t, h, func(t *testing.T, s testServer) {
		resp, raw := s.get(t, "/", "Accept-Encoding: gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(decode(t, resp, raw), body) {
			t.Fatalf("Content-Encoding %q, body ok=%v", resp.Header.Get("Content-Encoding"), bytes.Equal(decode(t, resp, raw), body))
		}
	})
}

func TestSniffsContentTypeBeforeCompressing(t *testing.T) {
	body := append([]byte("<!DOCTYPE html><html><body>"), text(3000)...)
	h := compressed(t, gzip.Config{}, serve(body))
	protocols(t, h, func(t *testing.T, s testServer) {
		resp, raw := s.get(t, "/", "Accept-Encoding: gzip")
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q, want the sniffed text/html", ct)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(decode(t, resp, raw), body) {
			t.Error("not compressed, or body differs")
		}
	})
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 3000)...)
	h = compressed(t, gzip.Config{}, serve(png))
	protocols(t, h, func(t *testing.T, s testServer) {
		resp, raw := s.get(t, "/", "Accept-Encoding: gzip")
		if resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(raw, png) {
			t.Errorf("PNG: Content-Type %q, Content-Encoding %q", resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"))
		}
	})
}

// TestLeftUntouched covers every response the middleware must send as
// the handler wrote it.
func TestLeftUntouched(t *testing.T) {
	big := text(8 << 10)
	mux := http.NewServeMux()
	handle := func(pattern string, headers ...string) {
		mux.Handle(pattern, compressed(t, gzip.Config{Not: []string{"/not"}, Ext: []string{".html", ""}}, serve(big, headers...)))
	}
	handle("/plain", "Content-Type: text/plain")
	handle("/not/page.html", "Content-Type: text/html")
	handle("/style.css", "Content-Type: text/css")
	handle("/encoded", "Content-Type: text/plain", "Content-Encoding: br")
	handle("/no-transform", "Content-Type: text/plain", "Cache-Control: public, no-transform")
	handle("/png", "Content-Type: image/png")
	handle("/woff2", "Content-Type: font/woff2")
	handle("/partial", "Content-Type: text/plain", "Content-Range: bytes 0-8191/9000")
	mux.Handle("/small", compressed(t, gzip.Config{}, serve([]byte("tiny"), "Content-Type: text/plain")))
	mux.Handle("/nocontent", compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNoContent)
	})))

	type check struct {
		path, ae string
		vary     bool // Vary: Accept-Encoding expected
	}
	protocols(t, mux, func(t *testing.T, s testServer) {
		for _, c := range []check{
			{"/plain", "", true},
			{"/plain", "br, deflate", true},
			{"/plain", "gzip;q=0, identity", true},
			{"/plain", "*;q=0", true},
			{"/plain", "gzip;q=5", true},                           // malformed
			{"/plain", `gzip, "zstd"`, true},                       // malformed
			{"/plain", strings.Repeat("x, ", 2000) + "gzip", true}, // enormous
			{"/not/page.html", "gzip", false},
			{"/style.css", "gzip", false}, // Ext
			{"/encoded", "gzip", true},
			{"/no-transform", "gzip", true},
			{"/png", "gzip", true},
			{"/woff2", "gzip", true},
			{"/partial", "gzip", true},
			{"/small", "gzip", true},
			{"/nocontent", "gzip", true},
		} {
			resp, raw := s.get(t, c.path, "Accept-Encoding: "+c.ae)
			name := c.path + " AE " + c.ae[:min(len(c.ae), 30)]
			if resp.StatusCode >= 300 {
				t.Errorf("%s: status %d", name, resp.StatusCode)
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" && ce != "br" {
				t.Errorf("%s: Content-Encoding %q", name, ce)
			}
			want := big
			switch c.path {
			case "/small":
				want = []byte("tiny")
				if resp.ContentLength != 4 {
					t.Errorf("%s: Content-Length %d, want the true 4", name, resp.ContentLength)
				}
			case "/nocontent":
				want = nil
			}
			if !bytes.Equal(raw, want) {
				t.Errorf("%s: body of %d bytes, want %d as written", name, len(raw), len(want))
			}
			if got := resp.Header.Get("Vary") == "Accept-Encoding"; got != c.vary {
				t.Errorf("%s: Vary %q, want Accept-Encoding: %v", name, resp.Header.Get("Vary"), c.vary)
			}
		}
		resp, raw := s.do(t, http.MethodHead, "/plain", "Accept-Encoding: gzip")
		if resp.Header.Get("Content-Encoding") != "" || len(raw) != 0 || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("HEAD: Content-Encoding %q, %d body bytes, Vary %q", resp.Header.Get("Content-Encoding"), len(raw), resp.Header.Get("Vary"))
		}
	})
}

// TestConcurrentClients mixes codings, sizes and streaming across many
// clients at once, so pooled writers and encoders are reused under -race.
func TestConcurrentClients(t *testing.T) {
	bodies := [][]byte{text(100), text(700), text(5000), text(70 << 10)}
	h := compressed(t, gzip.Config{BreachPadding: 16}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.URL.Query().Get("b"), &n)
		body := bodies[n]
		w.Header().Set("Content-Type", "text/plain")
		for len(body) > 0 {
			k := min(len(body), 3000)
			w.Write(body[:k])
			body = body[k:]
			if r.URL.Query().Has("flush") {
				w.(http.Flusher).Flush()
			}
		}
	}))
	protocols(t, h, func(t *testing.T, s testServer) {
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 30 {
					n := (g + i) % len(bodies)
					ae := []string{"gzip", "zstd", "", "gzip;q=0.5, zstd"}[(g*7+i)%4]
					path := fmt.Sprintf("/?b=%d", n)
					if i%3 == 0 {
						path += "&flush"
					}
					req, _ := http.NewRequest("GET", s.URL+path, nil)
					if ae != "" {
						req.Header.Set("Accept-Encoding", ae)
					}
					resp, err := s.Client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					raw, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil {
						t.Error(err)
						return
					}
					if got, err := decodeBody(resp, raw); err != nil || !bytes.Equal(got, bodies[n]) {
						t.Errorf("%s with %q: body differs (%v)", path, ae, err)
						return
					}
				}
			}()
		}
		wg.Wait()
	})
}
