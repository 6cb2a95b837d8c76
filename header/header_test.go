package header_test

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/header"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func mustNew(t *testing.T, c header.Config) *header.Headers {
	t.Helper()
	h, err := header.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func f(name, value string) header.Field { return header.Field{Name: name, Value: value} }

func TestRules(t *testing.T) {
	cfg := header.Config{Rules: []header.Rule{
		{Path: "/", Fields: []header.Field{f("X-Site", "all"), f("-Server", "")}},
		{Path: "/docs", Fields: []header.Field{f("Cache-Control", "max-age=60"), f("+Link", "</b.css>; rel=preload")}},
		{Path: "/docs/private", Fields: []header.Field{f("Cache-Control", "no-store"), f("-X-Site", "")}},
		{Path: "/docs/forced", Fields: []header.Field{f(">Cache-Control", "max-age=5")}},
	}}
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("Server", "backend/1.0")
		w.Header().Add("Link", "</a.css>; rel=preload")
		switch r.URL.Path {
		case "/docs/missing":
			return http.StatusNotFound, nil // the edge writes the page
		case "/docs/own", "/docs/forced", "/docs/forced/missing":
			w.Header().Set("Cache-Control", "private") // a handler may override a set
			if r.URL.Path == "/docs/forced/missing" {
				return http.StatusNotFound, nil
			}
		}
		io.WriteString(w, "ok")
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(mustNew(t, cfg).Middleware(site)))
	defer srv.Close()

	tests := []struct {
		path   string
		status int
		want   map[string]string // "" means absent
		links  int
	}{
		{"/", 200, map[string]string{"X-Site": "all", "Server": "", "Cache-Control": ""}, 1},
		{"/docs", 200, map[string]string{"X-Site": "all", "Cache-Control": "max-age=60"}, 2},
		{"/docs/a/b", 200, map[string]string{"X-Site": "all", "Cache-Control": "max-age=60"}, 2},
		{"/docsx", 200, map[string]string{"X-Site": "all", "Cache-Control": ""}, 1},
		{"/docs/private/x", 200, map[string]string{"X-Site": "", "Cache-Control": "no-store", "Server": ""}, 2},
		{"/docs/own", 200, map[string]string{"Cache-Control": "private"}, 2},
		{"/docs/forced", 200, map[string]string{"Cache-Control": "max-age=5", "Server": ""}, 2}, // but not a late set
		{"/docs/forced/missing", 404, map[string]string{"Cache-Control": "max-age=5"}, 2},
		{"/docs/missing", 404, map[string]string{"X-Site": "all", "Cache-Control": "max-age=60", "Server": ""}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d", res.StatusCode, tt.status)
			}
			for k, v := range tt.want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := len(res.Header.Values("Link")); got != tt.links {
				t.Errorf("%d Link values, want %d: %q", got, tt.links, res.Header.Values("Link"))
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		cfg  header.Config
		want string
	}{
		{header.Config{Rules: []header.Rule{{Path: "docs", Fields: []header.Field{f("A", "b")}}}},
			`header: Config.Rules[0].Path: "docs": must start with /`},
		{header.Config{Rules: []header.Rule{{Path: "/"}}},
			`header: Config.Rules[0].Fields: no header to set, add or remove`},
		{header.Config{Rules: []header.Rule{{Fields: []header.Field{f("A", "b"), f("X Y", "z")}}}},
			`header: Config.Rules[0].Fields[1].Name: "X Y" is not a valid header name`},
		{header.Config{Rules: []header.Rule{{Fields: []header.Field{f("-", "")}}}},
			`header: Config.Rules[0].Fields[0].Name: "-" is not a valid header name`},
		{header.Config{Rules: []header.Rule{{Fields: []header.Field{f(">X Y", "")}}}},
			`header: Config.Rules[0].Fields[0].Name: ">X Y" is not a valid header name`},
		{header.Config{Rules: []header.Rule{{Fields: []header.Field{f("A", "x\ny")}}}},
			`header: Config.Rules[0].Fields[0].Value: must not hold control characters other than tab`},
	}
	for _, tt := range tests {
		_, err := header.New(tt.cfg)
		if err == nil || err.Error() != tt.want {
			t.Errorf("got %v, want %s", err, tt.want)
		}
		if !errors.As(err, new(*httpmw.ConfigError)) {
			t.Errorf("%v is not an *httpmw.ConfigError", err)
		}
	}
	if _, err := header.New(header.Config{}); err != nil {
		t.Errorf("zero Config: %v", err)
	}
}

// A removal wraps the writer: streaming and hijacking must still work.
func TestFlushAndHijackThroughRemoval(t *testing.T) {
	hdrs := mustNew(t, header.Config{Rules: []header.Rule{{Fields: []header.Field{f("-Server", ""), f("X-A", "1")}}}})
	flushed := make(chan struct{})
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if r.URL.Path == "/hijack" {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return http.StatusInternalServerError, err
			}
			defer conn.Close()
			brw.WriteString("HTTP/1.1 200 OK\r\nServer: raw\r\nContent-Length: 6\r\nConnection: close\r\n\r\nraw ok")
			brw.Flush()
			return http.StatusOK, nil
		}
		w.Header().Set("Server", "backend")
		io.WriteString(w, "first\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			return http.StatusOK, err
		}
		<-flushed // the client has read the first line: the flush reached it
		io.WriteString(w, "second\n")
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(hdrs.Middleware(site)))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.Header.Get("Server") != "" || res.Header.Get("X-A") != "1" {
		t.Errorf("headers %v", res.Header)
	}
	br := bufio.NewReader(res.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
	close(flushed)
	rest, _ := io.ReadAll(br)
	if string(rest) != "second\n" {
		t.Errorf("rest %q", rest)
	}

	res, err = http.Get(srv.URL + "/hijack")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "raw ok" || res.Header.Get("Server") != "raw" {
		t.Errorf("hijacked response: %q %v", body, res.Header)
	}
}

// Removing a header only at request time would leave what an upstream sent.
func TestRemovalThroughReverseProxyStyleWriteHeader(t *testing.T) {
	hdrs := mustNew(t, header.Config{Rules: []header.Rule{{Path: "/api", Fields: []header.Field{f("-X-Powered-By", "")}}}})
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("X-Powered-By", "Express")
		w.WriteHeader(http.StatusCreated)
		return http.StatusCreated, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(hdrs.Middleware(site)))
	defer srv.Close()
	for path, want := range map[string]string{"/api/x": "", "/other": "Express"} {
		res, err := http.Post(srv.URL+path, "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 201 || res.Header.Get("X-Powered-By") != want {
			t.Errorf("%s: %d X-Powered-By=%q, want %q", path, res.StatusCode, res.Header.Get("X-Powered-By"), want)
		}
	}
}
