package respwriter_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/respwriter"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorded is what a wrapping middleware saw once the request was over.
type recorded struct {
	status   int
	size     int64
	hijacked bool
}

// wrapping is a middleware that wraps the writer, as logger or gzip do,
// and reports what the wrapper recorded.
func wrapping(out chan<- recorded) httpmw.Middleware {
	return func(next httpmw.Handler) httpmw.Handler {
		return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			rw := respwriter.New(w)
			status, err := next.ServeHTTP(rw, r)
			if out != nil {
				out <- recorded{rw.Status(), rw.Size(), rw.Hijacked()}
			}
			return status, err
		})
	}
}

// twoWrappers serves h through two wrapping middlewares and the adapter.
func twoWrappers(h httpmw.Handler, outer, inner chan<- recorded) http.Handler {
	return httpmw.ToHTTP(httpmw.Chain(wrapping(outer), wrapping(inner))(h))
}

// servers runs a test over HTTP/1.1 and HTTP/2 (TLS), as a client would meet it.
func servers(t *testing.T, h http.Handler, fn func(t *testing.T, srv *httptest.Server, client *http.Client)) {
	t.Run("HTTP1", func(t *testing.T) {
		srv := httptest.NewServer(h)
		defer srv.Close()
		fn(t, srv, srv.Client())
	})
	t.Run("HTTP2", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(h)
		srv.EnableHTTP2 = true
		srv.StartTLS()
		defer srv.Close()
		c := srv.Client()
		fn(t, srv, c)
	})
}

func TestWebsocketThroughTwoWrappers(t *testing.T) {
	upgrader := websocket.Upgrader{}
	outer, inner := make(chan recorded, 1), make(chan recorded, 1)
	echo := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return 0, err // Upgrade already answered the client
		}
		defer conn.Close()
		for {
			mt, msg, err := conn.ReadMessage()
			if err != nil {
				return http.StatusSwitchingProtocols, nil
			}
			if err := conn.WriteMessage(mt, append([]byte("echo: "), msg...)); err != nil {
				return http.StatusSwitchingProtocols, err
			}
		}
	})
	srv := httptest.NewServer(twoWrappers(echo, outer, inner))
	defer srv.Close()

	conn, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatalf("dial through two wrappers: %v", err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", res.StatusCode)
	}
	for _, msg := range []string{"one", "two"} {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "echo: "+msg {
			t.Fatalf("got %q, want %q", got, "echo: "+msg)
		}
	}
	conn.Close()
	for name, ch := range map[string]chan recorded{"outer": outer, "inner": inner} {
		rec := <-ch
		if !rec.hijacked || rec.status != http.StatusSwitchingProtocols {
			t.Errorf("%s wrapper recorded %+v, want hijacked with status 101", name, rec)
		}
	}
}

func TestSSEThroughTwoWrappers(t *testing.T) {
	release := make(chan struct{})
	sse := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: first\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			return http.StatusOK, err
		}
		select { // the client must read the first event while we still hold the stream
		case <-release:
		case <-r.Context().Done():
		}
		io.WriteString(w, "data: second\n\n")
		return http.StatusOK, nil
	})
	servers(t, twoWrappers(sse, nil, nil), func(t *testing.T, srv *httptest.Server, c *http.Client) {
		res, err := c.Get(srv.URL + "/events")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		br := bufio.NewReader(res.Body)
		line, err := br.ReadString('\n')
		if err != nil || line != "data: first\n" {
			t.Fatalf("first event before the handler finished: %q, %v", line, err)
		}
		release <- struct{}{}
		rest, _ := io.ReadAll(br)
		if string(rest) != "\ndata: second\n\n" {
			t.Fatalf("rest of stream %q", rest)
		}
	})
}

// spyWriter is a ResponseWriter whose ReadFrom records what it was given.
type spyWriter struct {
	*httptest.ResponseRecorder
	readFrom []io.Reader
}

func (s *spyWriter) ReadFrom(r io.Reader) (int64, error) {
	s.readFrom = append(s.readFrom, r)
	return io.Copy(s.ResponseRecorder, r)
}

func TestIOCopyKeepsReadFromPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), 100000), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	spy := &spyWriter{ResponseRecorder: httptest.NewRecorder()}
	outer := respwriter.New(spy)
	inner := respwriter.New(outer)
	n, err := io.Copy(inner, f)
	if err != nil || n != 100000 {
		t.Fatalf("copy: %d, %v", n, err)
	}
	// io.Copy hands os.File's own wrapper (it hides WriteTo) to ReadFrom;
	// net.TCPConn's sendfile accepts both, so either must arrive untouched.
	named, ok := spy.readFrom[0].(interface{ Name() string })
	if len(spy.readFrom) != 1 || !ok || named.Name() != path {
		t.Fatalf("underlying ReadFrom got %#v, want the file itself (sendfile)", spy.readFrom)
	}
	if inner.Size() != 100000 || outer.Size() != 100000 || inner.Status() != 200 {
		t.Fatalf("recorded size %d/%d status %d", inner.Size(), outer.Size(), inner.Status())
	}
}

func TestFileOverRealConnection(t *testing.T) {
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	sizes := make(chan recorded, 1)
	file := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		f, err := os.Open(path)
		if err != nil {
			return http.StatusInternalServerError, err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return http.StatusOK, err
	})
	servers(t, twoWrappers(file, sizes, nil), func(t *testing.T, srv *httptest.Server, c *http.Client) {
		res, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Equal(got, want) {
			t.Fatalf("body: %d bytes, want %d identical bytes", len(got), len(want))
		}
		if rec := <-sizes; rec.size != int64(len(want)) || rec.status != 200 {
			t.Fatalf("outer wrapper recorded %+v", rec)
		}
	})
}

func TestInformationalResponsesPassThrough(t *testing.T) {
	sizes := make(chan recorded, 1)
	hints := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made")
		return http.StatusCreated, nil
	})
	servers(t, twoWrappers(hints, sizes, nil), func(t *testing.T, srv *httptest.Server, c *http.Client) {
		var early []int
		trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			if h.Get("Link") == "" {
				t.Errorf("103 without its Link header")
			}
			early = append(early, code)
			return nil
		}}
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if len(early) != 1 || early[0] != 103 || res.StatusCode != 201 {
			t.Fatalf("client saw 1xx %v then %d; want [103] then 201", early, res.StatusCode)
		}
		if rec := <-sizes; rec.status != 201 || rec.size != 4 {
			t.Fatalf("wrapper recorded %+v, want status 201 size 4", rec)
		}
	})
}

func TestHijackNotSupportedOnHTTP2(t *testing.T) {
	errs := make(chan error, 1)
	h := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		_, _, err := w.(http.Hijacker).Hijack()
		errs <- err
		return http.StatusNoContent, nil
	})
	srv := httptest.NewUnstartedServer(twoWrappers(h, nil, nil))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Fatalf("proto %s, want HTTP/2", res.Proto)
	}
	if err := <-errs; !errors.Is(err, http.ErrNotSupported) {
		t.Fatalf("hijack over HTTP/2: %v, want ErrNotSupported", err)
	}
}

// bare has none of the optional interfaces.
type bare struct{ h http.Header }

func (b *bare) Header() http.Header         { return b.h }
func (b *bare) Write(p []byte) (int, error) { return len(p), nil }
func (b *bare) WriteHeader(int)             {}

func TestNoCapabilityNoPanic(t *testing.T) {
	rw := respwriter.New(&bare{h: http.Header{}})
	rw.Flush() // must not panic
	if err := rw.FlushError(); !errors.Is(err, http.ErrNotSupported) {
		t.Fatalf("FlushError: %v, want ErrNotSupported", err)
	}
	if _, _, err := rw.Hijack(); !errors.Is(err, http.ErrNotSupported) {
		t.Fatalf("Hijack: %v, want ErrNotSupported", err)
	}
	n, err := rw.ReadFrom(strings.NewReader("abc"))
	if n != 3 || err != nil || rw.Size() != 3 {
		t.Fatalf("ReadFrom fallback: %d, %v, size %d", n, err, rw.Size())
	}
}

func TestSecondWriteHeaderIgnored(t *testing.T) {
	rec := httptest.NewRecorder()
	rw := respwriter.New(rec)
	rw.WriteHeader(http.StatusAccepted)
	rw.WriteHeader(http.StatusInternalServerError)
	if rw.Status() != http.StatusAccepted || rec.Code != http.StatusAccepted {
		t.Fatalf("status %d / %d, want the first one, 202", rw.Status(), rec.Code)
	}
}

func TestResponseControllerDeadlines(t *testing.T) {
	errs := make(chan error, 1)
	h := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		errs <- http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Minute))
		return http.StatusNoContent, nil
	})
	servers(t, twoWrappers(h, nil, nil), func(t *testing.T, srv *httptest.Server, c *http.Client) {
		res, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if err := <-errs; err != nil {
			t.Fatalf("SetWriteDeadline through two wrappers: %v", err)
		}
	})
}

func TestBeforeHeader(t *testing.T) {
	for name, send := range map[string]func(w http.ResponseWriter){
		"WriteHeader": func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) },
		"Write":       func(w http.ResponseWriter) { w.Write([]byte("x")) },
		"Flush":       func(w http.ResponseWriter) { http.NewResponseController(w).Flush() },
		"ReadFrom":    func(w http.ResponseWriter) { io.Copy(w, strings.NewReader("x")) },
	} {
		t.Run(name, func(t *testing.T) {
			calls := make(chan int, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rw := respwriter.New(w)
				n := 0
				rw.BeforeHeader = func(h http.Header) {
					n++
					h.Del("Server")
					h.Set("X-Late", "1")
				}
				rw.Header().Set("Server", "inner")
				rw.WriteHeader(http.StatusEarlyHints) // 1xx: not the final header
				if n != 0 {
					t.Errorf("called for a 103")
				}
				send(rw)
				rw.WriteHeader(http.StatusTeapot) // dropped
				calls <- n
			}))
			defer srv.Close()
			res, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if n := <-calls; n != 1 {
				t.Errorf("called %d times, want 1", n)
			}
			if res.Header.Get("Server") != "" || res.Header.Get("X-Late") != "1" {
				t.Errorf("header sent: %v", res.Header)
			}
		})
	}
}
