package fcgi

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testfpm"
	"github.com/httpmw/httpmw/internal/testhttp"
)

func TestResponseHeaders(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	res, body := get(t, client, s.srv.URL+"/headers.php")
	if res.StatusCode != 201 || body != "made\n" {
		t.Fatalf("headers.php: %d %q", res.StatusCode, body)
	}
	if got := res.Header.Values("X-Multi"); strings.Join(got, ",") != "a,b" {
		t.Errorf("X-Multi = %q", got)
	}
	if res.Header.Get("X-One") != "1" || res.Header.Get("Status") != "" {
		t.Errorf("headers: %v", res.Header)
	}
	cookies := map[string]*http.Cookie{}
	for _, c := range res.Cookies() {
		cookies[c.Name] = c
	}
	if c := cookies["first"]; c == nil || c.Value != "one" {
		t.Errorf("cookie first: %v", c)
	}
	if c := cookies["second"]; c == nil || c.Value != "two" || c.Path != "/x" || !c.HttpOnly {
		t.Errorf("cookie second: %v", c)
	}

	// A page PHP wrote with an error status is the response: the handler
	// must not report 418 upwards, or an outer layer would write again.
	res, body = get(t, client, s.srv.URL+"/teapot.php")
	if res.StatusCode != 418 || body != "short and stout\n" {
		t.Errorf("teapot.php: %d %q", res.StatusCode, body)
	}
	w := httptest.NewRecorder()
	if status, err := s.h.ServeHTTP(w, httptest.NewRequest("GET", "/teapot.php", nil)); status >= 400 || err != nil || w.Code != 418 {
		t.Errorf("teapot.php through ServeHTTP: returned %d, %v; wrote %d", status, err, w.Code)
	}

	// A body after 204 is dropped (net/http refuses it), and the
	// connection stays fit for the next requests.
	for range 3 {
		res, body = get(t, client, s.srv.URL+"/nocontent.php")
		if res.StatusCode != 204 || body != "" {
			t.Errorf("nocontent.php: %d %q", res.StatusCode, body)
		}
	}

	res, _ = get(t, client, s.srv.URL+"/redirect.php")
	if res.StatusCode != 302 || res.Header.Get("Location") != "https://example.com/elsewhere" {
		t.Errorf("redirect.php: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestStderrHook: PHP warnings and error_log() go to FastCGI stderr; they
// reach the hook and the response is still served.
func TestStderrHook(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	var mu sync.Mutex
	var got []string
	s := newSite(t, fpm, Config{OnStderr: func(r *http.Request, msg []byte) {
		mu.Lock()
		got = append(got, r.URL.Path+": "+string(msg))
		mu.Unlock()
	}})
	res, body := get(t, nil, s.srv.URL+"/warn.php")
	if res.StatusCode != 200 || body != "still fine\n" {
		t.Fatalf("warn.php: %d %q", res.StatusCode, body)
	}
	mu.Lock()
	all := strings.Join(got, "\n")
	mu.Unlock()
	for _, want := range []string{"/warn.php: ", "boom-on-stderr", "warned-on-stderr"} {
		if !strings.Contains(all, want) {
			t.Errorf("stderr hook got %q, missing %q", all, want)
		}
	}
}

// TestLargeOutput streams 50 MiB from PHP and checks every byte.
func TestLargeOutput(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{})
	res, err := http.Get(s.srv.URL + "/big.php")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, res.Body)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(bytes.Repeat([]byte("0123456789abcdef"), 4096*800))
	if n != 50<<20 || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Errorf("got %d bytes, sha256 %x; want %d bytes, %x", n, h.Sum(nil), 50<<20, want)
	}
}

// TestFlushStreaming: what PHP flush()es reaches the client while the
// script still runs. The script blocks on a FIFO that the test opens only
// after it has read the first line from the HTTP response.
func TestFlushStreaming(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{})
	fifo := filepath.Join(t.TempDir(), "go")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(s.srv.URL + "/stream.php?fifo=" + url.QueryEscape(fifo))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	first, err := br.ReadString('\n')
	if err != nil || first != "first\n" {
		t.Fatalf("first line %q, %v", first, err)
	}
	// Only now does the script get to finish.
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "go on")
	f.Close()
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
}

func TestForms(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	s := newSite(t, fpm, Config{})

	res, err := http.PostForm(s.srv.URL+"/form.php?from=query", url.Values{"name": {"Zoë"}, "n": {"1"}})
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, res)
	var form struct {
		Get  map[string]string
		Post map[string]string
	}
	if err := json.Unmarshal([]byte(body), &form); err != nil || form.Get["from"] != "query" || form.Post["name"] != "Zoë" || form.Post["n"] != "1" {
		t.Errorf("urlencoded POST: %s (%v)", body, err)
	}

	// A 10 MB multipart upload, streamed with its Content-Length.
	upload := bytes.Repeat([]byte("upload-bytes-"), 10<<20/13)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("title", "big one")
	fw, _ := mw.CreateFormFile("file", "big.bin")
	fw.Write(upload)
	mw.Close()
	res, err = http.Post(s.srv.URL+"/form.php", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	body = readAll(t, res)
	sum := md5.Sum(upload)
	want := fmt.Sprintf(`{"get":[],"post":{"title":"big one"},"files":{"file":{"name":"big.bin","size":%d,"error":0,"md5":"%s"}}}`, len(upload), hex.EncodeToString(sum[:]))
	if body != want {
		t.Errorf("multipart upload: %s\nwant %s", body, want)
	}
}

// TestChunkedBody: a body without Content-Length is spooled, in memory or
// in a temporary file, and sent with CONTENT_LENGTH; past MaxSpool, 413.
func TestChunkedBody(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	tmp := t.TempDir()
	s := newSite(t, fpm, Config{SpoolMemory: 1000, MaxSpool: 3 << 20, TempDir: tmp})

	for _, size := range []int{10, 1000, 1001, 3 << 20} {
		data := bytes.Repeat([]byte{'z'}, size)
		// An io.Reader the client cannot measure: sent chunked.
		req, _ := http.NewRequest("POST", s.srv.URL+"/input.php", io.MultiReader(bytes.NewReader(data)))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, res)
		sum := md5.Sum(data)
		if want := fmt.Sprintf("%d %x %d", size, sum, size); res.StatusCode != 200 || body != want {
			t.Errorf("chunked %d bytes: %d %q, want %q", size, res.StatusCode, body, want)
		}
	}
	req, _ := http.NewRequest("POST", s.srv.URL+"/input.php", io.MultiReader(bytes.NewReader(make([]byte, 3<<20+1))))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, res); res.StatusCode != 413 {
		t.Errorf("over MaxSpool: %d %q, want 413", res.StatusCode, body)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("spool files left behind: %v", left)
	}
}

// TestRouting: index files, missing scripts, and what goes to next.
func TestRouting(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	fpm.Script("static/app.css", "body{}")
	fpm.Script("static/legacy.php", "<?php echo 'excepted';")
	s := newSite(t, fpm, Config{Except: []string{"/static"}})
	for _, tc := range []struct{ path, body string }{
		{"/", "root index\n"},
		{"/dir/", "dir index\n"},
		{"/dir/index.php", "dir index\n"},
		{"/dir", "next handler\n"}, // a directory without '/': the file server redirects
		{"/static/app.css", "next handler\n"},
		{"/static/legacy.php", "next handler\n"},
		{"/hello.php", "Hello World\n"},
		{"/HELLO.txt", "next handler\n"},
	} {
		res, body := get(t, nil, s.srv.URL+tc.path)
		if res.StatusCode != 200 || body != tc.body {
			t.Errorf("%s: %d %q, want %q", tc.path, res.StatusCode, body, tc.body)
		}
	}
}

// TestMissingScriptNeverContactsServer: a script that is not under Root
// gets 404 even though no FastCGI server is listening at all.
func TestMissingScriptNeverContactsServer(t *testing.T) {
	root := t.TempDir()
	h, err := New(Config{Root: root, Endpoints: []string{testhttp.FreeAddr(t)}})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewServer(httpmw.ToHTTP(h))
	defer srv.Close()
	for _, p := range []string{"/missing.php", "/a/b.php/c", "/../../etc/passwd.php"} {
		if res, body := get(t, nil, srv.URL+p); res.StatusCode != 404 || body != "404 Not Found\n" {
			t.Errorf("%s: %d %q, want 404", p, res.StatusCode, body)
		}
	}
}

// TestUnavailableAndTimeout: php-fpm down is 502, a slow script 504, and
// neither page names a path or an address.
func TestUnavailableAndTimeout(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	var errs []error
	var mu sync.Mutex
	h, err := New(Config{Root: fpm.Root, Endpoints: []string{fpm.Addr}, ReadTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewServer(httpmw.Adapter{OnError: func(r *http.Request, status int, err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}}.Handler(h))
	defer srv.Close()

	res, body := get(t, nil, srv.URL+"/slow.php")
	if res.StatusCode != 504 || body != "504 Gateway Timeout\n" {
		t.Errorf("slow script: %d %q, want 504", res.StatusCode, body)
	}
	fpm.Stop()
	res, body = get(t, nil, srv.URL+"/hello.php")
	if res.StatusCode != 502 || body != "502 Bad Gateway\n" {
		t.Errorf("php-fpm down: %d %q, want 502", res.StatusCode, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 2 || !errorsIs(errs[0], ErrTimeout) || !errorsIs(errs[1], ErrUnavailable) {
		t.Errorf("errors reported: %v; want ErrTimeout then ErrUnavailable", errs)
	}
}

// TestTimeoutNotRetried: a script that outlives ReadTimeout on a kept-alive
// connection is not sent again (it may still be running): one 504, after
// one ReadTimeout, and php-fpm saw the script start once.
func TestTimeoutNotRetried(t *testing.T) {
	fpm := testfpm.Start(t, testfpm.Options{})
	writeScripts(fpm)
	count := filepath.Join(t.TempDir(), "count")
	fpm.Script("count.php", `<?php file_put_contents('`+count+`', "x", FILE_APPEND); usleep(1500000); echo "late\n";`)
	s := newSite(t, fpm, Config{MaxConns: 1, ReadTimeout: 300 * time.Millisecond})
	if res, _ := get(t, nil, s.srv.URL+"/hello.php"); res.StatusCode != 200 {
		t.Fatalf("warm-up: %d", res.StatusCode) // leaves a kept-alive connection
	}
	if res, _ := get(t, nil, s.srv.URL+"/count.php"); res.StatusCode != 504 {
		t.Fatalf("slow script: %d, want 504", res.StatusCode)
	}
	b, _ := os.ReadFile(count)
	if string(b) != "x" {
		t.Errorf("the script started %d times, want once", len(b))
	}
}
