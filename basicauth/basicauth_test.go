package basicauth_test

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"golang.org/x/crypto/bcrypt"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/basicauth"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// whoami answers with the user name the request carries.
var whoami = httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
	user, _, _ := r.BasicAuth()
	io.WriteString(w, "user="+user)
	return http.StatusOK, nil
})

func bcryptHash(t *testing.T, password, prefix string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return prefix + string(h[4:]) // same hash, other version tag
}

func newServer(t *testing.T, c basicauth.Config) *httptest.Server {
	t.Helper()
	auth, err := basicauth.New(c)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpmw.ToHTTP(auth.Middleware(whoami)))
	t.Cleanup(srv.Close)
	return srv
}

func TestAccess(t *testing.T) {
	srv := newServer(t, basicauth.Config{Rules: []basicauth.Rule{
		{Paths: []string{"/admin"}, User: "alice", Password: "plain pass"},
		{Paths: []string{"/admin", "/reports"}, User: "bob", Password: bcryptHash(t, "bob's", "$2a$")},
		{Paths: []string{"/reports"}, User: "carol", Password: bcryptHash(t, "carol's", "$2b$")},
		{Paths: []string{"/y"}, User: "dave", Password: bcryptHash(t, "dave's", "$2y$")},
	}})
	tests := []struct {
		path, auth string // auth: "user:pass", "-" for none, or "raw:<header>"
		status     int
		body       string
	}{
		{"/", "-", 200, "user="},
		{"/public/admin", "-", 200, "user="},
		{"/adminx", "-", 200, "user="},
		{"/admin", "-", 401, ""},
		{"/admin/", "-", 401, ""},
		{"/admin/../admin/x", "-", 401, ""},
		{"/ADMIN", "-", 200, "user="}, // paths are case-sensitive, as the file server's
		{"/admin", "alice:plain pass", 200, "user=alice"},
		{"/admin/deep/page", "bob:bob's", 200, "user=bob"},
		{"/reports", "bob:bob's", 200, "user=bob"},
		{"/reports", "carol:carol's", 200, "user=carol"},
		{"/y", "dave:dave's", 200, "user=dave"},
		{"/admin", "carol:carol's", 401, ""}, // right password, wrong path
		{"/admin", "alice:plain pas", 401, ""},
		{"/admin", "alice:plain pass ", 401, ""},
		{"/admin", "Alice:plain pass", 401, ""},
		{"/admin", "alice:", 401, ""},
		{"/admin", ":plain pass", 401, ""},
		{"/admin", "bob:plain pass", 401, ""},
		{"/admin", "raw:Bearer xyz", 401, ""},
		{"/admin", "raw:Basic !!!notbase64", 401, ""},
		{"/admin", "raw:Basic " + base64.StdEncoding.EncodeToString([]byte("alice")), 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.auth, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tt.path, nil)
			switch {
			case tt.auth == "-":
			case strings.HasPrefix(tt.auth, "raw:"):
				req.Header.Set("Authorization", strings.TrimPrefix(tt.auth, "raw:"))
			default:
				u, p, _ := strings.Cut(tt.auth, ":")
				req.SetBasicAuth(u, p)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			challenge := res.Header.Get("WWW-Authenticate")
			if tt.status == 401 {
				if challenge != `Basic realm="Restricted", charset="UTF-8"` {
					t.Errorf("WWW-Authenticate %q", challenge)
				}
				if strings.Contains(string(body), "pass") {
					t.Errorf("body leaks: %q", body)
				}
				return
			}
			if challenge != "" || string(body) != tt.body {
				t.Errorf("WWW-Authenticate %q, body %q, want %q", challenge, body, tt.body)
			}
		})
	}
}

// curl is what a user tries first; its --user sends the same header.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed: apt-get install curl")
	}
	srv := newServer(t, basicauth.Config{Realm: "Staff only", Rules: []basicauth.Rule{{Paths: []string{"/"}, User: "alice", Password: "pw"}}})
	out, err := exec.Command(curl, "-sS", "-i", srv.URL+"/x").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.HasPrefix(string(out), "HTTP/1.1 401") || !strings.Contains(string(out), "Www-Authenticate: Basic realm=\"Staff only\"") {
		t.Errorf("without credentials:\n%s", out)
	}
	out, err = exec.Command(curl, "-sS", "-i", "--user", "alice:pw", srv.URL+"/x").CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !strings.HasPrefix(string(out), "HTTP/1.1 200") || !strings.HasSuffix(string(out), "user=alice") {
		t.Errorf("with credentials:\n%s", out)
	}
}

func TestConfigErrors(t *testing.T) {
	ok := basicauth.Rule{Paths: []string{"/"}, User: "u", Password: "p"}
	with := func(f func(r *basicauth.Rule)) []basicauth.Rule { r := ok; f(&r); return []basicauth.Rule{r} }
	tests := []struct {
		cfg  basicauth.Config
		want string
	}{
		{basicauth.Config{Rules: with(func(r *basicauth.Rule) { r.Paths = nil })}, `basicauth: Config.Rules[0].Paths: must list at least one path ("/" for all)`},
		{basicauth.Config{Rules: with(func(r *basicauth.Rule) { r.Paths = []string{"admin"} })}, `basicauth: Config.Rules[0].Paths: "admin": must start with /`},
		{basicauth.Config{Rules: with(func(r *basicauth.Rule) { r.User = "" })}, `basicauth: Config.Rules[0].User: must not be empty`},
		{basicauth.Config{Rules: with(func(r *basicauth.Rule) { r.User = "a:b" })}, `basicauth: Config.Rules[0].User: must not contain a colon (Basic auth splits on it)`},
		{basicauth.Config{Rules: with(func(r *basicauth.Rule) { r.Password = "" })}, `basicauth: Config.Rules[0].Password: must not be empty`},
		{basicauth.Config{Rules: with(func(r *basicauth.Rule) { r.Password = "$2y$10$tooshort" })}, `basicauth: Config.Rules[0].Password: looks like a bcrypt hash but is not a valid one`},
		{basicauth.Config{Realm: `a"b`}, `basicauth: Config.Realm: must not hold quotes, backslashes or control characters`},
	}
	for _, tt := range tests {
		_, err := basicauth.New(tt.cfg)
		if err == nil || err.Error() != tt.want {
			t.Errorf("got %v, want %s", err, tt.want)
		}
		if !errors.As(err, new(*httpmw.ConfigError)) {
			t.Errorf("%v is not an *httpmw.ConfigError", err)
		}
	}
	if _, err := basicauth.New(basicauth.Config{}); err != nil {
		t.Errorf("zero Config: %v", err)
	}
}

// A rewrite earlier in the chain (ext serving /admin as /admin.html, a
// rewrite to a protected folder) must not let a request around a rule.
func TestRewrittenPaths(t *testing.T) {
	auth, err := basicauth.New(basicauth.Config{Rules: []basicauth.Rule{{Paths: []string{"/admin"}, User: "alice", Password: "pw"}}})
	if err != nil {
		t.Fatal(err)
	}
	rewrites := map[string]string{"/admin": "/admin.html", "/public/x": "/admin/x", "/a%20b": "/a b.html"}
	rewrite := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if to, ok := rewrites[r.URL.Path]; ok {
			r2 := *r
			u := *r.URL
			u.Path = to
			r2.URL = &u
			r = &r2
		}
		return auth.Middleware(whoami).ServeHTTP(w, r)
	})
	srv := httptest.NewServer(httpmw.ToHTTP(rewrite))
	defer srv.Close()
	for path, want := range map[string]int{"/admin": 401, "/public/x": 401, "/admin.html": 200, "/public/y": 200, "/a%20b": 200} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
	}
}
