package httpmw_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/httpmw/httpmw"
)

// reported is one call of Adapter.OnError.
type reported struct {
	status int
	err    error
}

// recordingAdapter returns an Adapter whose reports are kept in a list, read
// with the returned func (safe to call from the test while a server runs).
func recordingAdapter() (*httpmw.Adapter, func() []reported) {
	var mu sync.Mutex
	var got []reported
	a := &httpmw.Adapter{OnError: func(r *http.Request, status int, err error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, reported{status, err})
	}}
	return a, func() []reported {
		mu.Lock()
		defer mu.Unlock()
		return append([]reported(nil), got...)
	}
}

func TestAdapterContract(t *testing.T) {
	errBoom := errors.New("database password is hunter2")
	cases := []struct {
		name       string
		h          httpmw.HandlerFunc
		wantCode   int
		wantBody   string
		wantReport *reported
	}{
		{"written 200", func(w http.ResponseWriter, r *http.Request) (int, error) {
			io.WriteString(w, "hi")
			return http.StatusOK, nil
		}, 200, "hi", nil},
		{"written, status unknown", func(w http.ResponseWriter, r *http.Request) (int, error) {
			w.WriteHeader(http.StatusAccepted)
			return 0, nil
		}, 202, "", nil},
		{"unwritten 404", func(w http.ResponseWriter, r *http.Request) (int, error) {
			return http.StatusNotFound, nil
		}, 404, "404 Not Found\n", nil},
		{"unwritten 502 with error", func(w http.ResponseWriter, r *http.Request) (int, error) {
			return http.StatusBadGateway, errBoom
		}, 502, "502 Bad Gateway\n", &reported{502, errBoom}},
		{"written with error: logged only", func(w http.ResponseWriter, r *http.Request) (int, error) {
			io.WriteString(w, "partial")
			return http.StatusOK, errBoom
		}, 200, "partial", &reported{200, errBoom}},
		{"claims 500 but wrote: no second write", func(w http.ResponseWriter, r *http.Request) (int, error) {
			w.WriteHeader(http.StatusTeapot)
			return http.StatusInternalServerError, nil
		}, 418, "", nil},
		{"unknown status code", func(w http.ResponseWriter, r *http.Request) (int, error) {
			return 499, nil
		}, 499, "499 Error\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, reports := recordingAdapter()
			rec := httptest.NewRecorder()
			a.Handler(tc.h).ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
			if rec.Code != tc.wantCode || rec.Body.String() != tc.wantBody {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body, tc.wantCode, tc.wantBody)
			}
			if strings.Contains(rec.Body.String(), "hunter2") {
				t.Fatal("error text leaked to the client")
			}
			got := reports()
			if tc.wantReport == nil && len(got) != 0 || tc.wantReport != nil && (len(got) != 1 || got[0] != *tc.wantReport) {
				t.Fatalf("reported %v, want %v", got, tc.wantReport)
			}
		})
	}
}

func TestErrorPageDropsHeadersOfTheUnsentBody(t *testing.T) {
	h := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", "12345")
		w.Header().Set("ETag", `"abc"`)
		w.Header().Set("Allow", "GET")
		return http.StatusMethodNotAllowed, nil
	})
	rec := httptest.NewRecorder()
	httpmw.ToHTTP(h).ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	hdr := rec.Header()
	if hdr.Get("Content-Encoding") != "" || hdr.Get("Content-Length") != "" || hdr.Get("ETag") != "" {
		t.Fatalf("stale headers kept: %v", hdr)
	}
	if hdr.Get("Allow") != "GET" {
		t.Fatal("Allow header of a 405 was dropped")
	}
	if hdr.Get("Content-Type") != "text/plain; charset=utf-8" || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("error page headers: %v", hdr)
	}
}

func TestCustomErrorPage(t *testing.T) {
	a := httpmw.Adapter{ErrorPage: func(w http.ResponseWriter, r *http.Request, status int) {
		w.WriteHeader(status)
		io.WriteString(w, "<h1>nope</h1>")
	}}
	rec := httptest.NewRecorder()
	a.Handler(httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return http.StatusForbidden, nil
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 403 || rec.Body.String() != "<h1>nope</h1>" {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
}

func TestDefaultErrorHookLogsWithSlog(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)

	h := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return http.StatusBadGateway, errors.New("upstream refused")
	})
	httpmw.ToHTTP(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api", nil))
	for _, want := range []string{"level=ERROR", "upstream refused", "status=502", "path=/api"} {
		if !strings.Contains(buf.String(), want) {
			t.Fatalf("log %q lacks %q", buf.String(), want)
		}
	}
}

func TestPanicBecomes500WithStackOnlyInTheHook(t *testing.T) {
	a, reports := recordingAdapter()
	h := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		panic("secret token abc123")
	})
	rec := httptest.NewRecorder()
	a.Handler(h).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || rec.Body.String() != "500 Internal Server Error\n" {
		t.Fatalf("got %d %q", rec.Code, rec.Body)
	}
	got := reports()
	if len(got) != 1 {
		t.Fatalf("reports: %v", got)
	}
	var pe *httpmw.PanicError
	if !errors.As(got[0].err, &pe) || pe.Value != "secret token abc123" || !bytes.Contains(pe.Stack, []byte("adapter_test.go")) {
		t.Fatalf("hook got %#v, want a PanicError with value and stack", got[0].err)
	}
}

func TestPanicAfterWritingAbortsTheConnection(t *testing.T) {
	a, reports := recordingAdapter()
	h := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, "first half")
		http.NewResponseController(w).Flush()
		panic(errors.New("boom"))
	})
	srv := httptest.NewServer(a.Handler(h))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err == nil {
		t.Fatalf("client read a complete response %q; a panic mid-body must break it", body)
	}
	if strings.Contains(string(body), "500") {
		t.Fatalf("a 500 page was appended to a written body: %q", body)
	}
	got := reports()
	if len(got) != 1 {
		t.Fatalf("panic not reported: %v", got)
	}
}

func TestErrAbortHandlerKeepsItsMeaning(t *testing.T) {
	a, reports := recordingAdapter()
	h := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		panic(http.ErrAbortHandler)
	})
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("recovered %v, want http.ErrAbortHandler passed on", v)
		}
		got := reports()
		if len(got) != 0 {
			t.Fatalf("ErrAbortHandler was reported as an error: %v", got)
		}
	}()
	a.Handler(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestFromHTTPReportsWritten(t *testing.T) {
	h := httpmw.FromHTTP(http.NotFoundHandler())
	rec := httptest.NewRecorder()
	status, err := h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if status != 0 || err != nil || rec.Code != 404 {
		t.Fatalf("got %d, %v, wrote %d; want 0, nil, 404 written by the inner handler", status, err, rec.Code)
	}
}

// tag appends name to the X-Trace response header on the way in.
func tag(name string) httpmw.Middleware {
	return func(next httpmw.Handler) httpmw.Handler {
		return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			w.Header().Add("X-Trace", name)
			return next.ServeHTTP(w, r)
		})
	}
}

var final = httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
	w.Header().Add("X-Trace", "handler")
	return http.StatusNoContent, nil
})

func TestChainOrder(t *testing.T) {
	rec := httptest.NewRecorder()
	httpmw.ToHTTP(httpmw.Chain(tag("a"), tag("b"), tag("c"))(final)).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got := strings.Join(rec.Header().Values("X-Trace"), ","); got != "a,b,c,handler" {
		t.Fatalf("order %q, want a,b,c,handler", got)
	}
	rec = httptest.NewRecorder()
	httpmw.ToHTTP(httpmw.Chain()(final)).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusOK && rec.Header().Get("X-Trace") != "handler" {
		t.Fatal("an empty chain must be the handler itself")
	}
}

func TestChiUse(t *testing.T) {
	deny := func(next httpmw.Handler) httpmw.Handler {
		return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			if strings.HasPrefix(r.URL.Path, "/admin") {
				return http.StatusForbidden, nil
			}
			return next.ServeHTTP(w, r)
		})
	}
	r := chi.NewRouter()
	r.Use(httpmw.ToHTTPMiddleware(tag("outer")), httpmw.ToHTTPMiddleware(deny), httpmw.ToHTTPMiddleware(tag("inner")))
	r.Get("/hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+chi.URLParam(r, "name"))
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	for _, tc := range []struct{ path, body, trace string }{
		{"/hello/gopher", "hello gopher", "outer,inner"},
		{"/admin/x", "403 Forbidden\n", "outer"},
		{"/nowhere", "404 page not found\n", "outer,inner"},
	} {
		res, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != tc.body || strings.Join(res.Header.Values("X-Trace"), ",") != tc.trace {
			t.Errorf("%s: %q trace %v, want %q trace %s", tc.path, body, res.Header.Values("X-Trace"), tc.body, tc.trace)
		}
	}
}

func TestPathMatches(t *testing.T) {
	cases := []struct {
		base, path string
		fold, want bool
	}{
		{"/", "/anything/at/all", false, true},
		{"", "/x", false, true},
		{"/foo", "/foo", false, true},
		{"/foo", "/foo/", false, true},
		{"/foo", "/foo/bar", false, true},
		{"/foo", "/foobar", false, false},
		{"/foo/", "/foo", false, true},
		{"/foo", "/bar/../foo/x", false, true},
		{"/foo", "/foo/../bar", false, false},
		{"/foo", "//foo", false, true},
		{"/foo", "/./foo", false, true},
		{"/foo", "/FOO/x", false, false},
		{"/foo", "/FOO/x", true, true},
		{"/Foo", "/foo", true, true},
		{"/foo/bar", "/foo", false, false},
		{"foo", "/foo/x", false, true},
		{"/foo", "", false, false},
	}
	for _, tc := range cases {
		if got := (httpmw.Path{Base: tc.base, IgnoreCase: tc.fold}).Matches(tc.path); got != tc.want {
			t.Errorf("Path{%q, fold=%v}.Matches(%q) = %v, want %v", tc.base, tc.fold, tc.path, got, tc.want)
		}
	}
}

func TestUnder(t *testing.T) {
	h := httpmw.ToHTTP(httpmw.Under(httpmw.Path{Base: "/api"}, tag("api"))(final))
	for p, want := range map[string]string{"/api/v1": "api,handler", "/apiary": "handler", "/": "handler"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if got := strings.Join(rec.Header().Values("X-Trace"), ","); got != want {
			t.Errorf("%s: %q, want %q", p, got, want)
		}
	}
}

// FuzzPathMatches checks the fast path against the obvious definition.
func FuzzPathMatches(f *testing.F) {
	for _, s := range [][2]string{{"/foo", "/foo/bar"}, {"/foo", "/foobar"}, {"/", "//../x"}, {"/a/b", "/a/./b/"}, {"/x", "/x/.."}} {
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, base, p string, fold bool) {
		got := httpmw.Path{Base: base, IgnoreCase: fold}.Matches(p)
		b, q := path.Clean("/"+base), path.Clean("/"+p)
		if fold {
			b, q = asciiLower(b), asciiLower(q)
		}
		want := b == "/" || q == b || strings.HasPrefix(q, b+"/")
		if got != want {
			t.Fatalf("Path{%q, %v}.Matches(%q) = %v, want %v", base, fold, p, got, want)
		}
	})
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// The root doc's chi idiom: one adapter around a Chain, so the outer
// middleware sees the status an inner one left unwritten, and the edge
// writes the page once. NotFound ends a chain that way too.
func TestChiOneEdge(t *testing.T) {
	var seen []int
	var mu sync.Mutex
	observe := func(next httpmw.Handler) httpmw.Handler {
		return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			status, err := next.ServeHTTP(w, r)
			mu.Lock()
			seen = append(seen, status)
			mu.Unlock()
			return status, err
		})
	}
	refuse := func(next httpmw.Handler) httpmw.Handler {
		return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
			if r.URL.Path == "/gone" {
				return httpmw.NotFound(w, r)
			}
			return next.ServeHTTP(w, r)
		})
	}
	r := chi.NewRouter()
	r.Use(httpmw.ToHTTPMiddleware(httpmw.Chain(observe, refuse)))
	r.Get("/*", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := httptest.NewServer(r)
	defer srv.Close()

	res, err := srv.Client().Get(srv.URL + "/gone")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || string(body) != "404 Not Found\n" {
		t.Fatalf("got %d %q, want the edge's one 404 page", res.StatusCode, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != http.StatusNotFound {
		t.Fatalf("the outer middleware saw %v, want [404]", seen)
	}
}
