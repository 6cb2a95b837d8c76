package gzip_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/gzip"
)

// TestHandlerContract: a status >= 400 with nothing written is the
// caller's to answer; a handler that writes its own error page gets it
// compressed like any other response.
func TestHandlerContract(t *testing.T) {
	page := text(3000)
	mux := http.NewServeMux()
	mux.Handle("/missing", compressed(t, gzip.Config{}, httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("Content-Type", "text/html")
		return http.StatusNotFound, nil
	})))
	mux.Handle("/own-page", compressed(t, gzip.Config{}, httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		w.Write(page)
		return http.StatusNotFound, nil
	})))
	protocols(t, mux, func(t *testing.T, s testServer) {
		resp, raw := s.get(t, "/missing", "Accept-Encoding: gzip")
		if resp.StatusCode != 404 || string(raw) != "404 Not Found\n" || resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("unwritten 404: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), raw)
		}
		resp, raw = s.get(t, "/own-page", "Accept-Encoding: gzip")
		if resp.StatusCode != 404 || resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(decode(t, resp, raw), page) {
			t.Errorf("written 404: %d %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
	})
}

// TestResponseControllerReachesTheConnection: deadlines and full duplex
// work through the compressing writer (Unwrap).
func TestResponseControllerReachesTheConnection(t *testing.T) {
	body := text(2000)
	h := compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		if err := rc.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetReadDeadline: %v", err)
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	protocols(t, h, func(t *testing.T, s testServer) {
		resp, raw := s.get(t, "/", "Accept-Encoding: gzip")
		if !bytes.Equal(decode(t, resp, raw), body) {
			t.Error("body differs")
		}
	})
}

// TestHijackWithoutUpgradeHeader: a handler may take the connection
// over even on a request the middleware wrapped.
func TestHijackWithoutUpgradeHeader(t *testing.T) {
	h := compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nraw!\n")
		brw.Flush()
		if _, err := w.Write([]byte("late")); !errors.Is(err, http.ErrHijacked) {
			t.Errorf("Write after Hijack: %v, want ErrHijacked", err)
		}
		w.(http.Flusher).Flush() // must not panic
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(raw) != "raw!\n" {
		t.Errorf("hijacked answer %q", raw)
	}
}

// bareWriter has no Flush, Hijack or Unwrap: the least a wrapped writer
// may offer.
type bareWriter struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (b *bareWriter) Header() http.Header         { return b.h }
func (b *bareWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bareWriter) WriteHeader(code int)        { b.code = code }

// TestFlushNeverPanics: over a writer that cannot flush, Flush is a
// no-op, FlushError says why, and Hijack reports ErrNotSupported.
func TestFlushNeverPanics(t *testing.T) {
	mw, _ := gzip.New(gzip.Config{})
	var flushErr, hijackErr error
	h := mw.Middleware(httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, strings.Repeat("a", 1000))
		w.(http.Flusher).Flush()
		flushErr = http.NewResponseController(w).Flush()
		_, _, hijackErr = http.NewResponseController(w).Hijack()
	}))
	bw := &bareWriter{h: http.Header{}}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	if _, err := h.ServeHTTP(bw, r); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(flushErr, http.ErrNotSupported) || !errors.Is(hijackErr, http.ErrNotSupported) {
		t.Errorf("FlushError %v, Hijack %v; want ErrNotSupported", flushErr, hijackErr)
	}
	if bw.code != 200 || bw.h.Get("Content-Encoding") != "gzip" {
		t.Errorf("status %d, Content-Encoding %q", bw.code, bw.h.Get("Content-Encoding"))
	}
}

// TestWriteStringAndReadFrom: the io.StringWriter and io.ReaderFrom fast
// paths produce the same bytes as Write, compressed or not.
func TestWriteStringAndReadFrom(t *testing.T) {
	body := text(40 << 10)
	for _, size := range []int{100, len(body)} {
		want := body[:size]
		mux := http.NewServeMux()
		mux.Handle("/string", compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			s := string(want)
			for i := 0; i < len(s); i += 1000 {
				io.WriteString(w, s[i:min(i+1000, len(s))])
			}
		})))
		mux.Handle("/reader", compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			// bufio.Reader hides bytes.Reader's WriteTo, so io.Copy
			// takes the writer's ReadFrom, as for a file.
			io.Copy(w, bufio.NewReaderSize(bytes.NewReader(want), 16))
		})))
		protocols(t, mux, func(t *testing.T, s testServer) {
			for _, p := range []string{"/string", "/reader"} {
				resp, raw := s.get(t, p, "Accept-Encoding: gzip")
				compressed := resp.Header.Get("Content-Encoding") == "gzip"
				if compressed != (size > 512) || !bytes.Equal(decode(t, resp, raw), want) {
					t.Errorf("%s, %d bytes: compressed %v, body equal %v", p, size, compressed, bytes.Equal(decode(t, resp, raw), want))
				}
			}
		})
	}
}

// TestBreachPadding: padded bodies vary in length and still decode.
func TestBreachPadding(t *testing.T) {
	body := text(10 << 10)
	h := compressed(t, gzip.Config{BreachPadding: 64}, serve(body, "Content-Type: text/html"))
	protocols(t, h, func(t *testing.T, s testServer) {
		for _, enc := range []string{"gzip", "zstd"} {
			sizes := map[int]bool{}
			for range 20 {
				resp, raw := s.get(t, "/", "Accept-Encoding: "+enc)
				if !bytes.Equal(decode(t, resp, raw), body) {
					t.Fatalf("%s: padded body does not decode to the original", enc)
				}
				sizes[len(raw)] = true
			}
			if len(sizes) < 2 {
				t.Errorf("%s: 20 responses, all %v bytes long", enc, sizes)
			}
		}
	})
	h = compressed(t, gzip.Config{}, serve(body, "Content-Type: text/html"))
	protocols(t, h, func(t *testing.T, s testServer) {
		_, first := s.get(t, "/", "Accept-Encoding: gzip")
		_, second := s.get(t, "/", "Accept-Encoding: gzip")
		if !bytes.Equal(first, second) {
			t.Error("without padding, the same page compressed differently")
		}
	})
}

// TestHandlerVaryKept: a handler's own Vary survives, Accept-Encoding
// added once.
func TestHandlerVaryKept(t *testing.T) {
	body := text(3000)
	h := compressed(t, gzip.Config{}, httpmwFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Origin") // replaces what the middleware set
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	}))
	protocols(t, h, func(t *testing.T, s testServer) {
		resp, _ := s.get(t, "/", "Accept-Encoding: gzip")
		if got := resp.Header.Values("Vary"); strings.Join(got, ",") != "Origin,Accept-Encoding" {
			t.Errorf("Vary %q", got)
		}
	})
}
