package inspect

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
)

func onlyExchange(t *testing.T, in *Inspector) Exchange {
	t.Helper()
	all := in.Exchanges()
	if len(all) != 1 {
		t.Fatalf("%d exchanges recorded, want 1", len(all))
	}
	return all[0]
}

func TestRecordsRequestAndResponse(t *testing.T) {
	s := newSite(t, Config{})
	req := newReq(t, "POST", s.app.URL+"/items?x=1", `{"a":1}`)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Trace", "abc")
	res, body := s.do(t, req)
	if res.StatusCode != 200 || !strings.Contains(body, `"body":"{\"a\":1}"`) {
		t.Fatalf("app answered %d %s", res.StatusCode, body)
	}
	ex := onlyExchange(t, s.in)
	if ex.Request.Method != "POST" || ex.Request.URL != "/items?x=1" || ex.Request.Proto != "HTTP/1.1" {
		t.Errorf("request line: %s %s %s", ex.Request.Method, ex.Request.URL, ex.Request.Proto)
	}
	if got := ex.Request.Header.Get("X-Trace"); got != "abc" {
		t.Errorf("request header X-Trace = %q", got)
	}
	if string(ex.Request.Body.Body) != `{"a":1}` || ex.Request.BodySize != 7 || ex.Request.Truncated {
		t.Errorf("request body %q size %d truncated %v", ex.Request.Body.Body, ex.Request.BodySize, ex.Request.Truncated)
	}
	if ex.Response.Status != 200 || string(ex.Response.Body.Body) != body || ex.Response.Header.Get("Content-Type") != "application/json" {
		t.Errorf("response %d %q %v", ex.Response.Status, ex.Response.Body.Body, ex.Response.Header)
	}
	if !strings.HasPrefix(ex.RemoteAddr, "127.0.0.1:") {
		t.Errorf("remote address %q", ex.RemoteAddr)
	}
	if ex.Duration <= 0 || ex.HeaderAfter <= 0 || ex.HeaderAfter > ex.Duration || ex.Start.IsZero() {
		t.Errorf("timings: start %v header after %v duration %v", ex.Start, ex.HeaderAfter, ex.Duration)
	}
}

func TestRedactsCredentialsByDefault(t *testing.T) {
	s := newSite(t, Config{RedactHeaders: []string{"x-api-key"}})
	req := newReq(t, "GET", s.app.URL+"/set-cookie", "")
	req.Header.Set("Authorization", "Bearer tok-123")
	req.Header.Set("Proxy-Authorization", "Basic cHJveHk=")
	req.Header.Set("Cookie", "session=old-secret")
	req.Header.Set("X-Api-Key", "key-456")
	res, _ := s.do(t, req)
	if res.Header.Get("X-Auth-Ok") != "yes" {
		t.Fatal("the app did not get the real Authorization")
	}
	if !strings.Contains(res.Header.Get("Set-Cookie"), "s3cr3t-session") {
		t.Fatalf("the client did not get the real Set-Cookie: %q", res.Header.Get("Set-Cookie"))
	}
	ex := onlyExchange(t, s.in)
	for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key"} {
		if got := ex.Request.Header.Get(h); got != Redacted {
			t.Errorf("request %s recorded as %q, want %q", h, got, Redacted)
		}
	}
	if got := ex.Response.Header.Get("Set-Cookie"); got != Redacted {
		t.Errorf("response Set-Cookie recorded as %q", got)
	}
	// Nothing the UI or API can show holds a secret.
	rec := httptest.NewRecorder()
	httpmw.ToHTTP(s.in.Handler()).ServeHTTP(rec, loopbackReq("GET", "/api/exchanges/1"))
	for _, secret := range []string{"tok-123", "cHJveHk=", "old-secret", "key-456", "s3cr3t-session"} {
		if strings.Contains(rec.Body.String(), secret) {
			t.Errorf("API detail shows %q", secret)
		}
	}
	if !strings.Contains(rec.Body.String(), "X-Auth-Ok") {
		t.Errorf("detail: %s", rec.Body.String())
	}
}

func TestKeepSecretsShowsValues(t *testing.T) {
	s := newSite(t, Config{KeepSecrets: true})
	req := newReq(t, "GET", s.app.URL+"/", "")
	req.Header.Set("Authorization", "Bearer tok-123")
	s.do(t, req)
	if got := onlyExchange(t, s.in).Request.Header.Get("Authorization"); got != "Bearer tok-123" {
		t.Errorf("Authorization = %q", got)
	}
}

// A body larger than the capture limit reaches the handler whole and the
// client gets the whole response; only the first bytes are kept.
func TestLargeBodiesPassWholeAndAreCut(t *testing.T) {
	const limit = 1024
	in, err := New(Config{MaxBodyBytes: limit, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	app := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		w.Header().Set("X-Got", hex.EncodeToString(h.Sum(nil)))
		w.Header().Set("X-Len", string(rune('0'+n%10)))
		// Three ways of writing: Write, WriteString, ReadFrom.
		w.Write([]byte(strings.Repeat("a", 600)))
		io.WriteString(w, strings.Repeat("b", 600))
		w.(io.ReaderFrom).ReadFrom(strings.NewReader(strings.Repeat("c", 100000)))
		return 200, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(in.Middleware(app)))
	defer srv.Close()
	body := strings.Repeat("0123456789", 10000)
	res, err := http.Post(srv.URL, "application/octet-stream", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	sum := sha256.Sum256([]byte(body))
	if res.Header.Get("X-Got") != hex.EncodeToString(sum[:]) {
		t.Error("the handler did not get the body unchanged")
	}
	if want := strings.Repeat("a", 600) + strings.Repeat("b", 600) + strings.Repeat("c", 100000); string(got) != want {
		t.Errorf("the client got %d bytes, want %d", len(got), len(want))
	}
	ex := onlyExchange(t, in)
	if string(ex.Request.Body.Body) != body[:limit] || ex.Request.BodySize != int64(len(body)) || !ex.Request.Truncated {
		t.Errorf("request body kept %d of %d, truncated %v", len(ex.Request.Body.Body), ex.Request.BodySize, ex.Request.Truncated)
	}
	if want := strings.Repeat("a", 600) + strings.Repeat("b", 424); string(ex.Response.Body.Body) != want || ex.Response.BodySize != 101200 || !ex.Response.Truncated {
		t.Errorf("response body kept %q… (%d) of %d, truncated %v", ex.Response.Body.Body[:10], len(ex.Response.Body.Body), ex.Response.BodySize, ex.Response.Truncated)
	}
}

// A handler that never reads the body still shows it.
func TestBodyIgnoredByHandlerIsShown(t *testing.T) {
	in, _ := New(Config{})
	defer in.Close()
	h := in.Middleware(httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		return http.StatusNotFound, nil // nothing written: the caller writes the page
	}))
	rec := httptest.NewRecorder()
	httpmw.ToHTTP(h).ServeHTTP(rec, httptest.NewRequest("PUT", "/x", strings.NewReader("name=a")))
	ex := onlyExchange(t, in)
	if string(ex.Request.Body.Body) != "name=a" || ex.Request.Truncated {
		t.Errorf("request body %q truncated %v", ex.Request.Body.Body, ex.Request.Truncated)
	}
	if ex.Response.Status != 404 || rec.Code != 404 {
		t.Errorf("recorded status %d, client got %d", ex.Response.Status, rec.Code)
	}
}

// Flush and Hijack work through the middleware (SSE, WebSocket).
func TestFlushAndHijackPassThrough(t *testing.T) {
	in, _ := New(Config{})
	defer in.Close()
	flushed := make(chan struct{})
	app := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		if r.URL.Path == "/hijack" {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return 500, err
			}
			defer conn.Close()
			brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nhello")
			brw.Flush()
			return 0, nil
		}
		io.WriteString(w, "first")
		if err := http.NewResponseController(w).Flush(); err != nil {
			return 0, err
		}
		<-flushed // the client saw "first" before the handler returned
		io.WriteString(w, " second")
		return 200, nil
	})
	// served reports each request once the recorder has returned, so the
	// test reads the record only after it was made.
	served := make(chan string, 2)
	recorded := in.Middleware(app)
	srv := httptest.NewServer(httpmw.ToHTTP(httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		defer func() { served <- r.URL.Path }()
		return recorded.ServeHTTP(w, r)
	})))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Get(srv.URL + "/flush")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(res.Body, buf); err != nil || string(buf) != "first" {
		t.Fatalf("before the handler returned: %q %v", buf, err)
	}
	close(flushed)
	rest, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(rest) != " second" {
		t.Errorf("rest %q", rest)
	}

	conn, err := (&netDialer{}).dial(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /hijack HTTP/1.1\r\nHost: x\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
	got, _ := io.ReadAll(bufio.NewReader(conn))
	if !strings.HasSuffix(string(got), "hello") {
		t.Errorf("hijacked connection got %q", got)
	}
	for p := <-served; p != "/hijack"; p = <-served {
	}
	var hij *Exchange
	for _, e := range in.Exchanges() {
		if e.Request.URL == "/hijack" {
			hij = &e
		}
	}
	if hij == nil || !hij.Response.Hijacked || hij.Response.Status != 101 {
		t.Errorf("hijack recorded as %+v", hij)
	}
}

// A handler that panics is recorded as a 500 and the panic still reaches
// the adapter, which answers 500.
func TestPanicIsRecordedAndPropagates(t *testing.T) {
	in, _ := New(Config{})
	defer in.Close()
	var reported error
	h := httpmw.Adapter{OnError: func(_ *http.Request, _ int, err error) { reported = err }}.Handler(
		in.Middleware(httpmw.HandlerFunc(func(http.ResponseWriter, *http.Request) (int, error) {
			panic("boom")
		})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/p", nil))
	if rec.Code != 500 || reported == nil {
		t.Errorf("client got %d, adapter saw %v", rec.Code, reported)
	}
	ex := onlyExchange(t, in)
	if ex.Response.Status != 500 || ex.Error != "handler panicked" {
		t.Errorf("recorded %d %q", ex.Response.Status, ex.Error)
	}
}
