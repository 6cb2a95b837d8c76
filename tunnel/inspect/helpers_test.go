package inspect

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// testAuth is the credential tests send; the app says X-Auth-Ok: yes
// when it got it, so no test needs to echo the secret itself.
const testAuth = "Bearer tok-123"

// echoApp answers with what it got: method, path, query, body, and a JSON
// content type; /set-cookie sets a cookie, /redirect?to=URL redirects there.
func echoApp() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.URL.Path == "/set-cookie":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cr3t-session"})
		case strings.HasPrefix(r.URL.Path, "/redirect"):
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") == testAuth {
			w.Header().Set("X-Auth-Ok", "yes")
		}
		json.NewEncoder(w).Encode(map[string]string{
			"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "body": string(body), "host": r.Host,
		})
	})
}

// site starts the app wrapped by a new Inspector on a real loopback server;
// replay targets that server.
type site struct {
	c   *http.Client
	in  *Inspector
	app *httptest.Server
	ui  *httptest.Server
}

func newSite(t *testing.T, c Config) *site {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	s := &site{c: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	// Two steps: the Target is the app server's own address.
	var h http.Handler = http.NotFoundHandler()
	s.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(s.app.Close)
	if c.Target == "" {
		c.Target = s.app.URL
	}
	in, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	s.in = in
	h = httpmw.ToHTTP(in.Middleware(httpmw.FromHTTP(echoApp())))
	s.ui = httptest.NewServer(httpmw.ToHTTP(in.Handler()))
	t.Cleanup(s.ui.Close)
	t.Cleanup(s.ui.CloseClientConnections) // SSE streams
	return s
}

func (s *site) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	return testhttp.Do(t, s.c.Do, req)
}

func newReq(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

type netDialer struct{}

func (netDialer) dial(addr string) (net.Conn, error) { return net.Dial("tcp", addr) }

// loopbackReq is an in-process request to the UI as a loopback peer sends it.
func loopbackReq(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Host = "127.0.0.1:4040"
	return r
}
