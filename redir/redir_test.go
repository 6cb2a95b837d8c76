package redir_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/redir"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func serve(t *testing.T, rules ...redir.Rule) *httptest.Server {
	t.Helper()
	rd, err := redir.New(redir.Config{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, "site")
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(rd.Middleware(site)))
	t.Cleanup(srv.Close)
	return srv
}

// rawGet sends the request line and Host as given (as curl --path-as-is
// or a hand-made request would) and returns the status and Location.
func rawGet(t *testing.T, srv *httptest.Server, target, host string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n")
	res, err := http.ReadResponse(bufioReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

func TestRedirects(t *testing.T) {
	srv := serve(t,
		redir.Rule{From: "/old", To: "/new"},
		redir.Rule{From: "/temp", To: "/elsewhere", Code: 307},
		redir.Rule{From: "/see", To: "/other", Code: 303},
		redir.Rule{From: "/found", To: "/x", Code: 302},
		redir.Rule{From: "/perm", To: "/y", Code: 308},
		redir.Rule{From: "/docs", To: "/documentation{path}?{query}"},
		redir.Rule{From: "/https", To: "https://{host}{uri}"},
		redir.Rule{From: "/away", To: "https://example.org/landing"},
	)
	tests := []struct {
		target, host string
		status       int
		location     string
	}{
		{"/old", "site.test", 301, "/new"},
		{"/old/", "site.test", 200, ""}, // exact match, as Caddy 0.7
		{"/old/x", "site.test", 200, ""},
		{"/temp", "site.test", 307, "/elsewhere"},
		{"/see", "site.test", 303, "/other"},
		{"/found", "site.test", 302, "/x"},
		{"/perm", "site.test", 308, "/y"},
		{"/docs?a=1&b=%2F", "site.test", 301, "/documentation/docs?a=1&b=%2F"},
		{"/https?q=1", "site.test:8080", 301, "https://site.test:8080/https?q=1"},
		{"/away", "site.test", 301, "https://example.org/landing"},
		{"/elsewhere", "site.test", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			status, loc := rawGet(t, srv, tt.target, tt.host)
			if status != tt.status || loc != tt.location {
				t.Errorf("got %d %q, want %d %q", status, loc, tt.status, tt.location)
			}
		})
	}
}

func TestFromSlashMatchesAll(t *testing.T) {
	srv := serve(t, redir.Rule{From: "/", To: "https://new.example{uri}", Code: 308})
	for _, target := range []string{"/", "/a/b?c=d", "/x%20y"} {
		status, loc := rawGet(t, srv, target, "old.example")
		if status != 308 || loc != "https://new.example"+target {
			t.Errorf("%s: %d %q", target, status, loc)
		}
	}
}

// The attacks: request data tries to turn a same-site redirect into one
// to another host. Each Location is resolved as a browser would.
func TestNoOpenRedirectFromRequestData(t *testing.T) {
	srv := serve(t,
		redir.Rule{From: "/", To: "{path}/"},
	)
	srvQ := serve(t, redir.Rule{From: "/go", To: "{query}"})
	srvURI := serve(t, redir.Rule{From: "/", To: "{uri}.html", Code: 302})
	tests := []struct {
		srv    *httptest.Server
		target string
	}{
		{srv, "//evil.example"},
		{srv, "///evil.example"},
		{srv, "/\\evil.example"},
		{srv, "/%2F/evil.example"},
		{srv, "http://evil.example/x"}, // absolute-form request line
		{srvQ, "/go?//evil.example"},
		{srvQ, "/go?https://evil.example/"},
		{srvQ, "/go?javascript:alert(1)"},
		{srvQ, "/go?\\\\evil.example"},
		{srvURI, "//evil.example/"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			status, loc := rawGet(t, tt.srv, tt.target, "site.test")
			if status < 300 || status > 399 {
				t.Fatalf("status %d", status)
			}
			if host, ok := browserHost("http://site.test/a/b", loc); !ok || host != "site.test" {
				t.Errorf("Location %q leads to %q", loc, host)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		rules []redir.Rule
		want  string
	}{
		{[]redir.Rule{{From: "old", To: "/new"}}, `redir: Config.Rules[0].From: "old": must start with /`},
		{[]redir.Rule{{From: "/a", To: ""}}, `redir: Config.Rules[0].To: must not be empty`},
		{[]redir.Rule{{From: "/a", To: "/a"}}, `redir: Config.Rules[0].To: "/a": same as From, a redirect loop`},
		{[]redir.Rule{{From: "/a", To: "/b", Code: 304}}, `redir: Config.Rules[0].Code: 304 is not a redirect status (want 301, 302, 303, 307, 308 or 300)`},
		{[]redir.Rule{{From: "/a", To: "/b"}, {From: "/a", To: "/c"}}, `redir: Config.Rules[1].From: "/a": already redirected by an earlier rule`},
		{[]redir.Rule{{From: "/a", To: "/{file}"}}, `redir: Config.Rules[0].To: unknown placeholder "{file}"`},
		{[]redir.Rule{{From: "/a", To: "/{path"}}, `redir: Config.Rules[0].To: unclosed placeholder "{path"`},
		{[]redir.Rule{{From: "/a", To: "/b\r\nX: y"}}, `redir: Config.Rules[0].To: must not hold control characters or spaces`},
	}
	for _, tt := range tests {
		_, err := redir.New(redir.Config{Rules: tt.rules})
		if err == nil || err.Error() != tt.want {
			t.Errorf("got %v, want %s", err, tt.want)
		}
		if !errors.As(err, new(*httpmw.ConfigError)) {
			t.Errorf("%v is not an *httpmw.ConfigError", err)
		}
	}
}

// browserHost resolves loc against base the way a browser would (tabs and
// newlines dropped, "\" read as "/") and returns the host it leads to.
func browserHost(base, loc string) (string, bool) {
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(loc)
	loc = strings.TrimLeft(loc, " \x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")
	b, _ := urlParse(base)
	u, err := urlParse(loc)
	if err != nil {
		return "", false
	}
	if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
		return u.Scheme + ":", true
	}
	return b.ResolveReference(u).Host, true
}
