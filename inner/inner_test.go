package inner

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		want string
	}{
		{"relative path", Config{Paths: []string{"internal"}}, `inner: Config.Paths: "internal": must start with /`},
		{"bad header", Config{Header: "X Accel"}, `inner: Config.Header: "X Accel": not a header name`},
		{"negative max", Config{MaxRedirects: -1}, "inner: Config.MaxRedirects: must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.c)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("New: %v, want %q...", err, tc.want)
			}
			if !errors.As(err, new(*httpmw.ConfigError)) {
				t.Fatalf("%v is not an *httpmw.ConfigError", err)
			}
		})
	}
	if _, err := New(Config{}); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
}

// backend answers /app/... as a proxied application would, and serves
// everything else as the file server would: the request line as body.
func backend() httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/app/download":
			w.Header().Set("Set-Cookie", "backend=1")
			w.Header().Set("Content-Length", "12")
			w.Header().Set("X-Accel-Redirect", r.URL.Query().Get("to"))
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "backend body")
			return http.StatusOK, nil
		case "/app/flush":
			w.Header().Set("X-Accel-Redirect", "/internal/flushed")
			http.NewResponseController(w).Flush()
			io.WriteString(w, "backend body")
			return http.StatusOK, nil
		case "/app/unwritten":
			w.Header().Set("X-Accel-Redirect", "/internal/unwritten")
			return http.StatusNotFound, errors.New("ignored: the redirect answers")
		case "/app/badescape":
			w.Header().Set("X-Accel-Redirect", "/internal/%zz")
			return http.StatusOK, nil
		case "/app/custom":
			w.Header().Set("X-Sendfile-Path", "/internal/custom")
			return http.StatusNoContent, nil
		case "/app/loop", "/internal/loop":
			w.Header().Set("X-Accel-Redirect", "/internal/loop")
			return http.StatusOK, nil
		}
		w.Header().Set("X-Method", r.Method)
		io.WriteString(w, r.URL.RequestURI()+" body="+string(body))
		return http.StatusOK, nil
	})
}

func TestInternal(t *testing.T) {
	for _, tc := range []struct {
		name, method, target, body string
		header                     string // Config.Header
		wantReturn                 int    // the status returned
		wantCode                   int    // what was written; 0 for nothing
		wantBody                   string
		wantHeader                 []string // name, value pairs; "" value: absent
	}{
		{name: "internal path from outside", target: "/internal/a.zip", wantReturn: 404},
		{name: "internal path itself", target: "/internal", wantReturn: 404},
		{name: "internal path uncleaned", target: "/x/../internal/a.zip", wantReturn: 404},
		{name: "segment, not prefix", target: "/internalx", wantReturn: 200, wantCode: 200, wantBody: "/internalx body="},
		{name: "redirect replaces response", target: "/app/download?to=/internal/report.pdf", wantReturn: 200, wantCode: 200,
			wantBody:   "/internal/report.pdf?to=/internal/report.pdf body=",
			wantHeader: []string{"X-Accel-Redirect", "", "Set-Cookie", "", "X-Outer", "kept", "Content-Length", ""}},
		{name: "redirect query replaces", target: "/app/download?to=/internal/r.pdf%3Fv%3D2", wantReturn: 200, wantCode: 200,
			wantBody: "/internal/r.pdf?v=2 body="},
		{name: "redirect escaped and cleaned", target: "/app/download?to=/internal/a%2520b/../c", wantReturn: 200, wantCode: 200,
			wantBody: "/internal/c?to=/internal/a%2520b/../c body="},
		{name: "post becomes get without body", method: "POST", body: "form=1", target: "/app/download?to=/internal/x",
			wantReturn: 200, wantCode: 200, wantBody: "/internal/x?to=/internal/x body=", wantHeader: []string{"X-Method", "GET"}},
		{name: "head stays head", method: "HEAD", target: "/app/download?to=/internal/x",
			wantReturn: 200, wantCode: 200, wantBody: "/internal/x?to=/internal/x body=", wantHeader: []string{"X-Method", "HEAD"}},
		{name: "flushed before body", target: "/app/flush", wantReturn: 200, wantCode: 200, wantBody: "/internal/flushed body="},
		{name: "unwritten error status", target: "/app/unwritten", wantReturn: 200, wantCode: 200, wantBody: "/internal/unwritten body="},
		{name: "custom header", header: "X-Sendfile-Path", target: "/app/custom", wantReturn: 200, wantCode: 200, wantBody: "/internal/custom body="},
		{name: "loop", target: "/app/loop", wantReturn: 500, wantHeader: []string{"X-Accel-Redirect", "", "X-Outer", "kept"}},
		{name: "not a path", target: "/app/download?to=http://evil.example/", wantReturn: 502, wantHeader: []string{"X-Accel-Redirect", ""}},
		{name: "bad escape", target: "/app/badescape", wantReturn: 502},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := New(Config{Paths: []string{"/internal"}, Header: tc.header})
			if err != nil {
				t.Fatal(err)
			}
			method := tc.method
			if method == "" {
				method = "GET"
			}
			w := httptest.NewRecorder()
			w.Header().Set("X-Outer", "kept")
			r := httptest.NewRequest(method, tc.target, strings.NewReader(tc.body))
			status, _ := in.Middleware(backend()).ServeHTTP(w, r)
			if status != tc.wantReturn {
				t.Errorf("returned %d, want %d", status, tc.wantReturn)
			}
			code := 0
			if w.Flushed || w.Body.Len() > 0 || status < 400 {
				code = w.Code
			}
			if code != tc.wantCode || w.Body.String() != tc.wantBody {
				t.Errorf("wrote %d %q, want %d %q", code, w.Body.String(), tc.wantCode, tc.wantBody)
			}
			for i := 0; i+1 < len(tc.wantHeader); i += 2 {
				if got := w.Header().Get(tc.wantHeader[i]); got != tc.wantHeader[i+1] {
					t.Errorf("%s: %q, want %q", tc.wantHeader[i], got, tc.wantHeader[i+1])
				}
			}
		})
	}
}

func TestMaxRedirects(t *testing.T) {
	hops := 0
	chain := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if hops < 3 {
			hops++
			w.Header().Set("X-Accel-Redirect", "/next")
			return http.StatusOK, nil
		}
		io.WriteString(w, "arrived")
		return http.StatusOK, nil
	})
	for _, tc := range []struct{ max, want int }{{2, 500}, {3, 200}} {
		hops = 0
		in, err := New(Config{MaxRedirects: tc.max})
		if err != nil {
			t.Fatal(err)
		}
		status, err := in.Middleware(chain).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		if status != tc.want {
			t.Errorf("MaxRedirects %d: status %d (%v), want %d", tc.max, status, err, tc.want)
		}
	}
}

// A response passed through keeps what http.ResponseController reaches:
// Flush, deadlines (through Unwrap) and Hijack.
func TestResponseControllerPassesThrough(t *testing.T) {
	in, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 3)
	h := in.Middleware(httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		rc := http.NewResponseController(w)
		errs <- rc.SetWriteDeadline(time.Now().Add(time.Minute))
		errs <- rc.Flush()
		conn, brw, err := rc.Hijack()
		errs <- err
		if err == nil {
			brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
			brw.Flush()
			conn.Close()
		}
		return http.StatusSwitchingProtocols, nil
	}))
	srv := httptest.NewServer(httpmw.ToHTTP(h))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err == nil {
		res.Body.Close()
	}
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Errorf("controller call %d: %v", i, err)
		}
	}
}
