package inspect

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
)

func TestUIIsLoopbackOnly(t *testing.T) {
	in, _ := New(Config{})
	defer in.Close()
	h := httpmw.ToHTTP(in.Handler())
	for _, tc := range []struct {
		remote, host string
		want         int
	}{
		{"127.0.0.1:5000", "127.0.0.1:4040", 200},
		{"[::1]:5000", "[::1]:4040", 200},
		{"127.0.0.1:5000", "localhost:4040", 200},
		{"192.168.1.20:5000", "127.0.0.1:4040", 403},     // another machine
		{"127.0.0.1:5000", "attacker.example:4040", 403}, // DNS rebinding
		{"garbage", "127.0.0.1:4040", 403},
	} {
		r := loopbackReq("GET", "/")
		r.RemoteAddr, r.Host = tc.remote, tc.host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != tc.want {
			t.Errorf("peer %s host %s: %d, want %d", tc.remote, tc.host, rec.Code, tc.want)
		}
	}
	open, _ := New(Config{AllowRemote: true})
	defer open.Close()
	r := loopbackReq("GET", "/api/exchanges")
	r.RemoteAddr, r.Host = "192.168.1.20:5000", "devbox:4040"
	rec := httptest.NewRecorder()
	httpmw.ToHTTP(open.Handler()).ServeHTTP(rec, r)
	if rec.Code != 200 {
		t.Errorf("AllowRemote: %d", rec.Code)
	}
}

// Another site open in the same browser cannot make the inspector replay.
func TestReplayRefusesCrossOriginPosts(t *testing.T) {
	s := newSite(t, Config{})
	s.do(t, newReq(t, "GET", s.app.URL+"/", ""))
	r := loopbackReq("POST", "/api/exchanges/1/replay")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Origin", "https://attacker.example")
	rec := httptest.NewRecorder()
	httpmw.ToHTTP(s.in.Handler()).ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", rec.Code)
	}
	if n := len(s.in.Exchanges()); n != 1 {
		t.Errorf("%d exchanges after a refused replay", n)
	}
}

func TestPageHasNoExternalAssetsAndStrictCSP(t *testing.T) {
	in, _ := New(Config{})
	defer in.Close()
	rec := httptest.NewRecorder()
	httpmw.ToHTTP(in.Handler()).ServeHTTP(rec, loopbackReq("GET", "/"))
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'sha256-", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows unsafe-inline: %q", csp)
	}
	page := rec.Body.String()
	for _, bad := range []string{"src=", "href=", "http://", "https://", "innerHTML"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

func TestAPIListDetailAndReplay(t *testing.T) {
	s := newSite(t, Config{})
	req := newReq(t, "POST", s.app.URL+"/submit", "a=1&b=two+words")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.do(t, req)

	res, body := s.do(t, newReq(t, "GET", s.ui.URL+"/api/exchanges", ""))
	var list []summary
	if err := json.Unmarshal([]byte(body), &list); err != nil || res.StatusCode != 200 || len(list) != 1 {
		t.Fatalf("list: %d %s %v", res.StatusCode, body, err)
	}
	if list[0].Method != "POST" || list[0].URL != "/submit" || list[0].Status != 200 {
		t.Errorf("summary %+v", list[0])
	}

	_, body = s.do(t, newReq(t, "GET", s.ui.URL+"/api/exchanges/1", ""))
	var d detail
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.RequestShown.Kind != "form" || len(d.RequestShown.Fields) != 2 || d.RequestShown.Fields[1] != (field{"b", "two words"}) {
		t.Errorf("request body shown as %+v", d.RequestShown)
	}
	if d.ResponseShown.Kind != "json" || !strings.Contains(d.ResponseShown.Text, "\n  \"body\": ") {
		t.Errorf("response body shown as %+v", d.ResponseShown)
	}
	if !d.Replayable {
		t.Error("not replayable")
	}

	rr := newReq(t, "POST", s.ui.URL+"/api/exchanges/1/replay", `{"body":"a=2"}`)
	rr.Header.Set("Content-Type", "application/json")
	res, body = s.do(t, rr)
	if err := json.Unmarshal([]byte(body), &d); err != nil || res.StatusCode != 200 {
		t.Fatalf("replay: %d %s", res.StatusCode, body)
	}
	if d.ReplayOf != 1 || d.ID != 2 || !strings.Contains(string(d.Response.Body.Body), `"body":"a=2"`) {
		t.Errorf("replay answered %+v", d.Exchange)
	}
	for path, want := range map[string]int{
		"/api/exchanges/99":        404,
		"/api/exchanges/x":         400,
		"/api/exchanges/99/replay": 404,
		"/nope":                    404,
	} {
		method := "GET"
		if strings.HasSuffix(path, "/replay") {
			method = "POST"
		}
		res, _ := s.do(t, newReq(t, method, s.ui.URL+path, ""))
		if res.StatusCode != want {
			t.Errorf("%s %s: %d, want %d", method, path, res.StatusCode, want)
		}
	}
	res, body = s.do(t, newReq(t, "POST", s.ui.URL+"/api/exchanges/1/replay", `{"path":"no-slash"}`))
	if res.StatusCode != 400 || !strings.Contains(body, "path must start") {
		t.Errorf("bad edit: %d %s", res.StatusCode, body)
	}
}

// The live stream sends what is kept, then each new exchange as it is
// recorded.
func TestEventStreamDeliversNewExchanges(t *testing.T) {
	s := newSite(t, Config{})
	s.do(t, newReq(t, "GET", s.app.URL+"/before", ""))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.ui.URL+"/api/events", nil)
	res, err := s.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan summary)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var s summary
				json.Unmarshal([]byte(data), &s)
				select {
				case events <- s:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	next := func() summary {
		t.Helper()
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("stream ended")
			}
			return e
		case <-ctx.Done():
			t.Fatal("no event within the timeout")
		}
		return summary{}
	}
	if e := next(); e.URL != "/before" {
		t.Errorf("first event %+v, want the kept /before", e)
	}
	s.do(t, newReq(t, "GET", s.app.URL+"/after?q=1", ""))
	if e := next(); e.URL != "/after?q=1" || e.Status != 200 || e.ID != 2 {
		t.Errorf("live event %+v", e)
	}
	// Close ends the stream.
	s.in.Close()
	for range events {
	}
}

// Under a prefix with http.StripPrefix, the page's relative URLs and the
// API work.
func TestUIUnderAPrefix(t *testing.T) {
	in, _ := New(Config{})
	defer in.Close()
	mux := http.NewServeMux()
	mux.Handle("/debug/inspect/", http.StripPrefix("/debug/inspect", httpmw.ToHTTP(in.Handler())))
	for _, path := range []string{"/debug/inspect/", "/debug/inspect/api/exchanges"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, loopbackReq("GET", path))
		if rec.Code != 200 {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
}

// TestEventStreamOutlivesServerTimeouts: the UI served by an http.Server
// with short read and write timeouts, as a careful app (examples/devserver)
// serves it. The live stream must outlast them: it renews its own write
// deadline on each write.
func TestEventStreamOutlivesServerTimeouts(t *testing.T) {
	s := newSite(t, Config{})
	const limit = 200 * time.Millisecond
	ui := httptest.NewUnstartedServer(httpmw.ToHTTP(s.in.Handler()))
	ui.Config.ReadTimeout, ui.Config.WriteTimeout = limit, limit
	ui.Start()
	t.Cleanup(ui.Close)
	t.Cleanup(ui.CloseClientConnections)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ui.URL+"/api/events", nil)
	res, err := s.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	// The timeouts must pass with the stream open; nothing to wait for but
	// the clock, and a slower machine only lets more time pass.
	time.Sleep(3 * limit)
	s.do(t, newReq(t, "GET", s.app.URL+"/late", ""))
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), `"/late"`) {
			return
		}
	}
	t.Fatalf("the stream ended before the late event: %v", sc.Err())
}
