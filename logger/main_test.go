package logger

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// writes records every Write call separately, so tests can check that each
// line arrived in exactly one Write (or, when batched, that a Write holds
// whole lines only).
type writes struct {
	mu      sync.Mutex
	calls   []string
	batched bool          // Async: several whole lines per Write are fine
	notify  chan struct{} // if set, receives once per Write
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.calls = append(w.calls, string(p))
	w.mu.Unlock()
	if w.notify != nil {
		w.notify <- struct{}{}
	}
	return len(p), nil
}

// lines returns the lines written, failing the test if a Write held
// anything other than one whole line.
func (w *writes) lines(t *testing.T) []string {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.calls))
	for _, c := range w.calls {
		if !strings.HasSuffix(c, "\n") || (!w.batched && strings.Count(c, "\n") != 1) {
			t.Fatalf("a Write was not exactly one line: %q", c)
		}
		out = append(out, strings.Split(strings.TrimSuffix(c, "\n"), "\n")...)
	}
	return out
}

// only returns the single line written, failing otherwise.
func (w *writes) only(t *testing.T) string {
	t.Helper()
	ls := w.lines(t)
	if len(ls) != 1 {
		t.Fatalf("want 1 line, got %d: %q", len(ls), ls)
	}
	return ls[0]
}

// mustNew is New that fails the test on error and closes at cleanup.
func mustNew(t *testing.T, cfg Config) *Logger {
	t.Helper()
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// serve starts a real HTTP server with l in front of h.
func serve(t *testing.T, l *Logger, h httpmw.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(httpmw.ToHTTP(l.Middleware(h)))
	t.Cleanup(srv.Close)
	return srv
}

// hello answers 200 "hello".
var hello = httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
	io.WriteString(w, "hello")
	return http.StatusOK, nil
})

// get fetches url with c and returns the body, failing on transport errors.
func get(t testing.TB, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer res.Body.Close()
	var b bytes.Buffer
	io.Copy(&b, res.Body)
	return res.StatusCode, b.String()
}
