package inspect

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func replayOK(t *testing.T, in *Inspector, id uint64, edit *Edit) Exchange {
	t.Helper()
	ex, err := in.Replay(context.Background(), id, edit)
	if err != nil {
		t.Fatalf("replay of %d: %v", id, err)
	}
	return ex
}

func echoed(t *testing.T, ex Exchange) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(ex.Response.Body.Body, &m); err != nil {
		t.Fatalf("replayed response %q: %v", ex.Response.Body.Body, err)
	}
	return m
}

func TestReplayGET(t *testing.T) {
	s := newSite(t, Config{})
	req := newReq(t, "GET", s.app.URL+"/things?page=2", "")
	req.Header.Set("Authorization", testAuth)
	s.do(t, req)
	orig := onlyExchange(t, s.in)

	ex := replayOK(t, s.in, orig.ID, nil)
	if ex.ReplayOf != orig.ID || ex.ID <= orig.ID {
		t.Errorf("replay #%d of %d", ex.ID, ex.ReplayOf)
	}
	got := echoed(t, ex)
	if got["method"] != "GET" || got["path"] != "/things" || got["query"] != "page=2" {
		t.Errorf("the app got %v", got)
	}
	if ex.Response.Header.Get("X-Auth-Ok") != "yes" {
		t.Error("replay did not send the real (redacted) Authorization")
	}
	if ex.Request.Header.Get("Authorization") != Redacted {
		t.Errorf("the replay shows Authorization %q", ex.Request.Header.Get("Authorization"))
	}
	// Recorded once, by Replay, not a second time by the middleware.
	all := s.in.Exchanges()
	if len(all) != 2 || all[1].ID != ex.ID || all[1].ReplayOf != orig.ID {
		t.Errorf("after replay: %d exchanges: %+v", len(all), all)
	}
	if ex.Request.Header.Get(replayHeader) != "" {
		t.Error("the replay marker is shown")
	}
}

func TestReplayPOSTWithBodyAndEdit(t *testing.T) {
	s := newSite(t, Config{})
	req := newReq(t, "POST", s.app.URL+"/form", "name=ada&lang=go")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.do(t, req)
	orig := onlyExchange(t, s.in)

	got := echoed(t, replayOK(t, s.in, orig.ID, nil))
	if got["method"] != "POST" || got["body"] != "name=ada&lang=go" {
		t.Errorf("plain replay: the app got %v", got)
	}

	body := "name=grace"
	ex := replayOK(t, s.in, orig.ID, &Edit{Method: "PUT", Path: "/form/2?v=1", Body: &body,
		Header: http.Header{"Content-Type": {"text/plain"}, "X-New": {"yes"}}})
	got = echoed(t, ex)
	if got["method"] != "PUT" || got["path"] != "/form/2" || got["query"] != "v=1" || got["body"] != "name=grace" {
		t.Errorf("edited replay: the app got %v", got)
	}
	if ex.Request.Header.Get("X-New") != "yes" || ex.Request.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("edited replay headers: %v", ex.Request.Header)
	}
	if string(ex.Request.Body.Body) != body {
		t.Errorf("edited replay records body %q", ex.Request.Body.Body)
	}
	// A replay of a replay works too.
	if got := echoed(t, replayOK(t, s.in, ex.ID, nil)); got["body"] != "name=grace" {
		t.Errorf("replay of a replay: %v", got)
	}
}

// The recorded Host header and an absolute-form request URL name another
// server; the replay still goes to the target, which sees its own host.
func TestReplayCannotBeRedirected(t *testing.T) {
	var stolen atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
		io.WriteString(w, "stolen")
	}))
	defer other.Close()
	s := newSite(t, Config{})
	otherHost := other.Listener.Addr().String()

	// What a client can put on the wire: absolute-form URL and Host.
	conn, err := net.Dial("tcp", s.app.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET http://"+otherHost+"/steal?x=1 HTTP/1.1\r\nHost: "+otherHost+"\r\nConnection: close\r\n\r\n")
	io.ReadAll(conn)
	conn.Close()
	orig := onlyExchange(t, s.in)
	if !strings.Contains(orig.Request.URL, otherHost) {
		t.Fatalf("setup: recorded URL %q", orig.Request.URL)
	}

	targetHost := s.app.Listener.Addr().String()
	ex := replayOK(t, s.in, orig.ID, nil)
	got := echoed(t, ex)
	if got["path"] != "/steal" || got["query"] != "x=1" || got["host"] != targetHost {
		t.Errorf("the target got %v, want /steal?x=1 for host %s", got, targetHost)
	}
	// Edited paths that look like authorities stay paths on the target.
	for _, p := range []string{"//" + otherHost + "/x", "/\\" + otherHost, "/@" + otherHost + "/x"} {
		ex, err := s.in.Replay(context.Background(), orig.ID, &Edit{Path: p})
		if err != nil {
			t.Errorf("edit path %q: %v", p, err)
			continue
		}
		if h := echoed(t, ex)["host"]; h != targetHost {
			t.Errorf("edit path %q reached host %q", p, h)
		}
	}
	for _, p := range []string{"http://" + otherHost + "/x", otherHost + "/x", "*"} {
		if _, err := s.in.Replay(context.Background(), orig.ID, &Edit{Path: p}); !errors.Is(err, ErrBadEdit) {
			t.Errorf("edit path %q: err %v, want ErrBadEdit", p, err)
		}
	}
	// An edited Host header is dropped, not sent.
	ex = replayOK(t, s.in, orig.ID, &Edit{Header: http.Header{"Host": {otherHost}}})
	if h := echoed(t, ex)["host"]; h != targetHost {
		t.Errorf("edited Host reached %q", h)
	}
	// A redirect from the app is shown, not followed.
	redirected := newReq(t, "GET", s.app.URL+"/redirect?to="+other.URL+"/x", "")
	s.do(t, redirected)
	all := s.in.Exchanges()
	ex = replayOK(t, s.in, all[len(all)-1].ID, nil)
	if ex.Response.Status != http.StatusFound {
		t.Errorf("redirect replay: status %d", ex.Response.Status)
	}
	if n := stolen.Load(); n != 0 {
		t.Errorf("the other server got %d requests", n)
	}
}

func TestReplayRefusals(t *testing.T) {
	s := newSite(t, Config{MaxBytes: 8192, MaxBodyBytes: 2048})
	s.do(t, newReq(t, "POST", s.app.URL+"/big", strings.Repeat("z", 3000)))
	orig := onlyExchange(t, s.in)
	if _, err := s.in.Replay(context.Background(), orig.ID, nil); !errors.Is(err, ErrTruncatedBody) {
		t.Errorf("truncated body: %v", err)
	}
	body := "small"
	if got := echoed(t, replayOK(t, s.in, orig.ID, &Edit{Body: &body})); got["body"] != "small" {
		t.Errorf("truncated body replaced: %v", got)
	}
	if _, err := s.in.Replay(context.Background(), 9999, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	for _, e := range []Edit{{Method: "GE T"}, {Header: http.Header{"X-A": {"a\r\nInjected: 1"}}}, {Header: http.Header{"Bad Name": {"v"}}}} {
		if _, err := s.in.Replay(context.Background(), orig.ID, &e); !errors.Is(err, ErrBadEdit) {
			t.Errorf("edit %+v: %v, want ErrBadEdit", e, err)
		}
	}
	off, _ := New(Config{})
	defer off.Close()
	if _, err := off.Replay(context.Background(), 1, nil); !errors.Is(err, ErrReplayOff) {
		t.Errorf("no target: %v", err)
	}
}

// A target that is down gives a recorded failure, not a hang or a panic.
func TestReplayToDeadTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	s := newSite(t, Config{Target: dead})
	s.do(t, newReq(t, "GET", s.app.URL+"/", ""))
	ex, err := s.in.Replay(context.Background(), 1, nil)
	if err == nil || ex.ID == 0 || !strings.HasPrefix(ex.Error, "replay failed: ") || ex.ReplayOf != 1 {
		t.Errorf("replay to a dead target: %+v, %v", ex, err)
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{MaxEntries: -1}, "Config.MaxEntries"},
		{Config{MaxBytes: -1}, "Config.MaxBytes"},
		{Config{MaxBytes: 1000, MaxBodyBytes: 500}, "Config.MaxBodyBytes"},
		{Config{Target: "ftp://x"}, "Config.Target"},
		{Config{Target: "127.0.0.1:80"}, "Config.Target"},
		{Config{Target: "http://127.0.0.1:80/app"}, "Config.Target"},
		{Config{RedactHeaders: []string{""}}, "Config.RedactHeaders"},
	} {
		_, err := New(tc.c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error naming %s", tc.c, err, tc.want)
		}
	}
}
