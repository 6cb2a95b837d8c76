package logger

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/httpmw/httpmw"
)

func TestPanicIsLoggedAs500(t *testing.T) {
	out := &writes{}
	l := mustNew(t, Config{Format: "{status} {uri}", Output: out})
	reported := make(chan error, 1)
	adapter := httpmw.Adapter{OnError: func(_ *http.Request, _ int, err error) { reported <- err }}
	srv := httpmustServer(t, adapter.Handler(l.Middleware(httpmw.HandlerFunc(func(http.ResponseWriter, *http.Request) (int, error) {
		panic("boom")
	}))))
	status, _ := get(t, srv.Client(), mustRequest(t, srv.URL+"/p"))
	if status != http.StatusInternalServerError {
		t.Fatalf("client got %d", status)
	}
	if got := out.only(t); got != "500 /p" {
		t.Fatalf("logged %q", got)
	}
	var pe *httpmw.PanicError
	if err := <-reported; !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("the panic did not reach the adapter untouched: %v", err)
	}
}

func TestHijackIsLoggedAs101(t *testing.T) {
	out := &writes{notify: make(chan struct{}, 1)}
	l := mustNew(t, Config{Format: "{status} {size} {path}", Output: out})
	upgrader := websocket.Upgrader{}
	srv := serve(t, l, httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		_, msg, err := c.ReadMessage()
		if err != nil {
			return 0, err
		}
		return 0, c.WriteMessage(websocket.TextMessage, msg)
	}))
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WriteMessage(websocket.TextMessage, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "ping" {
		t.Fatalf("echo %q, %v", msg, err)
	}
	c.Close()
	<-out.notify // the server does not track hijacked connections: wait for the line
	if got := out.only(t); got != "101 0 /ws" {
		t.Fatalf("logged %q", got)
	}
}

func TestStatusLeftToTheCaller(t *testing.T) {
	out := &writes{}
	l := mustNew(t, Config{Output: out})
	srv := serve(t, l, httpmw.HandlerFunc(func(http.ResponseWriter, *http.Request) (int, error) {
		return http.StatusNotFound, nil
	}))
	status, body := get(t, srv.Client(), mustRequest(t, srv.URL+"/missing"))
	if status != http.StatusNotFound || body != "404 Not Found\n" {
		t.Fatalf("client got %d %q", status, body)
	}
	if line := out.only(t); !strings.HasSuffix(line, `"GET /missing HTTP/1.1" 404 -`) {
		t.Fatalf("logged %q", line)
	}
}

func TestSizeIsWhatPassedThisPoint(t *testing.T) {
	outer, inner := &writes{}, &writes{}
	lo := mustNew(t, Config{Format: "{size}", Output: outer})
	li := mustNew(t, Config{Format: "{size}", Output: inner})
	// A middleware between the two loggers that adds a footer.
	footer := func(next httpmw.Handler) httpmw.Handler {
		return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			s, err := next.ServeHTTP(w, r)
			io.WriteString(w, "+footer")
			return s, err
		})
	}
	srv := httpmustServer(t, httpmw.ToHTTP(httpmw.Chain(lo.Middleware, footer, li.Middleware)(hello)))
	if _, body := get(t, srv.Client(), mustRequest(t, srv.URL)); body != "hello+footer" {
		t.Fatalf("body %q", body)
	}
	if o, i := outer.only(t), inner.only(t); o != "12" || i != "5" {
		t.Fatalf("outer logged %s, inner %s; want 12 and 5", o, i)
	}
}

func TestScopeAndExcept(t *testing.T) {
	out := &writes{}
	l := mustNew(t, Config{Format: "{path}", Output: out, Path: httpmw.Path{Base: "/api"}, Except: []string{"/api/healthz"}})
	srv := serve(t, l, hello)
	for _, p := range []string{"/", "/api", "/api/v1/users", "/apix", "/api/healthz", "/api/healthz/deep", "/api/healthzz"} {
		if status, _ := get(t, srv.Client(), mustRequest(t, srv.URL+p)); status != http.StatusOK {
			t.Fatalf("%s: %d", p, status)
		}
	}
	got := strings.Join(out.lines(t), " ")
	if want := "/api /api/v1/users /api/healthzz"; got != want {
		t.Fatalf("logged %q, want %q", got, want)
	}
}

func TestPlaceholders(t *testing.T) {
	out := &writes{}
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("", 3600))
	calls := 0
	clock := func() time.Time { // start, then end 3.25ms later
		calls++
		if calls%2 == 1 {
			return when
		}
		return when.Add(3250 * time.Microsecond)
	}
	format := "{remote}|{host}|{when}|{when_iso}|{method}|{uri}|{path}|{query}|{proto}|{scheme}|{status}|{size}|{latency}|{latency_ms}|{user}|{>X-In}|{<X-Out}|{>Absent}"
	l := mustNew(t, Config{Format: format, Output: out, Now: clock})
	srv := serve(t, l, httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("X-Out", "out")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made")
		return http.StatusCreated, nil
	}))
	req := mustRequest(t, srv.URL+"/a%20b/c?x=1&y=2")
	req.Host = "example.com"
	req.Header.Set("X-In", "in")
	req.SetBasicAuth("bob", "pw")
	get(t, srv.Client(), req)
	want := "127.0.0.1|example.com|04/Mar/2026:05:06:07 +0100|2026-03-04T04:06:07Z|GET|/a%20b/c?x=1&y=2|/a b/c|x=1&y=2|HTTP/1.1|http|201|4|3.25ms|3|bob|in|out|-"
	if got := out.only(t); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0ns", 750: "750ns", 1500: "1.5µs", 12_345_678: "12.345ms", time.Second: "1s",
		90*time.Second + 5*time.Millisecond: "90.005s", 1_000_400: "1ms",
	} {
		if got := string(appendDuration(nil, d)); got != want {
			t.Errorf("%d: got %s, want %s", d, got, want)
		}
	}
}

func TestSlogRecord(t *testing.T) {
	var buf strings.Builder
	l := mustNew(t, Config{Slog: slog.New(slog.NewJSONHandler(&buf, nil)), RedactQuery: []string{"token"}})
	srv := serve(t, l, httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if r.URL.Path == "/fail" {
			return http.StatusBadGateway, nil
		}
		return hello(w, r)
	}))
	req := mustRequest(t, srv.URL+"/ok?token=secret&a=1")
	req.Header.Set("User-Agent", "test-agent")
	get(t, srv.Client(), req)
	get(t, srv.Client(), mustRequest(t, srv.URL+"/fail"))

	type record struct {
		Level    string
		Msg      string
		Request  struct{ Remote, Method, URI, Proto, User_Agent string }
		Response struct {
			Status int
			Size   int64
		}
		Duration int64
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 records, got %q", lines)
	}
	var ok, fail record
	json.Unmarshal([]byte(lines[0]), &ok)
	json.Unmarshal([]byte(lines[1]), &fail)
	if ok.Level != "INFO" || ok.Msg != "request" || ok.Request.Remote != "127.0.0.1" || ok.Request.Method != "GET" ||
		ok.Request.URI != "/ok?token=REDACTED&a=1" || ok.Request.User_Agent != "test-agent" ||
		ok.Response.Status != 200 || ok.Response.Size != 5 || ok.Duration <= 0 {
		t.Errorf("record %s", lines[0])
	}
	if fail.Level != "ERROR" || fail.Response.Status != 502 {
		t.Errorf("record %s", lines[1])
	}
}

// blockingWriter holds every Write until released, and says on entered
// that a Write has begun.
type blockingWriter struct {
	release chan struct{}
	entered chan struct{} // buffered: one signal per Write, never blocks
	writes
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-b.release
	return b.writes.Write(p)
}

func TestAsyncDropsWhenFullAndCloseFlushes(t *testing.T) {
	w := &blockingWriter{release: make(chan struct{}), entered: make(chan struct{}, 1), writes: writes{batched: true}}
	l, err := New(Config{Format: "{path}", Output: w, Async: true, QueueSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	h := httpmw.ToHTTP(l.Middleware(hello))
	serveOne := func(path string) {
		r, _ := http.NewRequestWithContext(context.Background(), "GET", path, nil)
		h.ServeHTTP(discardWriter{http.Header{}}, r)
	}
	// The writer goroutine takes the first line and blocks writing it
	// (waited for, so the batch is that line alone); the queue then holds
	// two more, and the other seven must be dropped without blocking.
	serveOne("/a")
	<-w.entered
	for i := 1; i < 10; i++ {
		serveOne("/" + string(rune('a'+i)))
	}
	if d := l.Dropped(); d != 7 {
		t.Fatalf("dropped %d of 10 with a queue of 2 and one line in flight, want 7", d)
	}
	close(w.release)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	written := len(w.lines(t))
	if uint64(written)+l.Dropped() != 10 {
		t.Fatalf("%d written + %d dropped != 10", written, l.Dropped())
	}
	serveOne("/after-close") // served, not logged, counted
	if l.Dropped() != uint64(10-written+1) {
		t.Fatalf("a line after Close was not counted as dropped")
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

// failingWriter fails every Write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrorsReachOnError(t *testing.T) {
	errs := make(chan error, 4)
	l := mustNew(t, Config{Output: failingWriter{}, OnError: func(err error) { errs <- err }})
	srv := serve(t, l, hello)
	if status, _ := get(t, srv.Client(), mustRequest(t, srv.URL)); status != http.StatusOK {
		t.Fatalf("a failing log must not fail the request: %d", status)
	}
	if err := <-errs; err.Error() != "disk full" {
		t.Fatal(err)
	}
}

func httpmustServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// The attack: a slow disk, and clients that send the longest request line
// net/http takes. The Async queue holds at most QueueBytes of their lines,
// however few lines that is; the rest are dropped and counted.
func TestAsyncQueueBoundedInBytes(t *testing.T) {
	w := &blockingWriter{release: make(chan struct{}), entered: make(chan struct{}, 1), writes: writes{batched: true}}
	l, err := New(Config{Format: "{uri}", Output: w, Async: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpmw.ToHTTP(l.Middleware(hello)))
	defer srv.Close()

	long := srv.URL + "/" + strings.Repeat("a", 500<<10) // a 500 KiB request line
	for range 20 {                                       // 10 MB of lines: 20 of the default 4096 lines
		res, err := http.Get(long)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
	}
	<-w.entered // the writer holds one line; the queue holds the rest
	queued := l.sink.(*asyncSink).queued.Load()
	if queued > defaultQueueBytes {
		t.Errorf("%d bytes queued, bound %d", queued, defaultQueueBytes)
	}
	if d := l.Dropped(); d < 10 {
		t.Errorf("dropped %d of 20 lines of 500 KiB with a 4 MiB queue, want at least 10", d)
	}
	close(w.release)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if written := len(w.lines(t)); uint64(written)+l.Dropped() != 20 {
		t.Fatalf("%d written + %d dropped != 20", written, l.Dropped())
	}
}

// A line longer than QueueBytes on its own is still written when nothing
// else is queued.
func TestAsyncLineLongerThanQueueBytes(t *testing.T) {
	out := &writes{batched: true}
	l, err := New(Config{Format: "{uri}", Output: out, Async: true, QueueBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	h := httpmw.ToHTTP(l.Middleware(hello))
	r, _ := http.NewRequestWithContext(context.Background(), "GET", "/"+strings.Repeat("a", 4096), nil)
	h.ServeHTTP(discardWriter{http.Header{}}, r)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if lines := out.lines(t); len(lines) != 1 || len(lines[0]) < 4096 || l.Dropped() != 0 {
		t.Fatalf("%d lines written, %d dropped; want the long line written", len(lines), l.Dropped())
	}
}
