package logger

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
)

// apacheCombined matches a Combined line as the Apache documentation
// defines it; quoted fields may hold \" and \\ escapes and nothing else
// that could end them.
var apacheCombined = regexp.MustCompile(`^(\S+) (\S+) (\S+) \[(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$`)

// apacheCommon is the same without the two trailing fields.
var apacheCommon = regexp.MustCompile(`^(\S+) (\S+) (\S+) \[(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)$`)

// unescapeApache reverses appendEscaped for the test's checks.
func unescapeApache(s string) string {
	s, err := strconv.Unquote(`"` + s + `"`)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return s
}

// sizedHandler writes as many bytes as its ?n= asks.
var sizedHandler = httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	w.Write([]byte(strings.Repeat("x", n)))
	return http.StatusOK, nil
})

// concurrently sends n requests at once, each built by mk(i).
func concurrently(t *testing.T, n int, mk func(i int) *http.Request) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := mk(i)
			<-start
			if status, _ := get(t, client, req); status != http.StatusOK {
				t.Errorf("request %d: status %d", i, status)
			}
		}()
	}
	close(start)
	wg.Wait()
}

func TestCombinedUnderConcurrency(t *testing.T) {
	const n = 1000
	out := &writes{}
	l := mustNew(t, Config{Format: Combined, Output: out})
	srv := serve(t, l, sizedHandler)

	concurrently(t, n, func(i int) *http.Request {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/item/%d?n=%d", srv.URL, i, i%7), nil)
		req.Header.Set("User-Agent", fmt.Sprintf(`client %d "quoted" back\slash`, i))
		req.Header.Set("Referer", fmt.Sprintf("http://example.com/from/%d", i))
		req.SetBasicAuth(fmt.Sprintf("user%d", i), "pw")
		return req
	})

	seen := map[int]bool{}
	for _, line := range out.lines(t) {
		m := apacheCombined.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not an Apache Combined line: %q", line)
		}
		var i int
		if _, err := fmt.Sscanf(m[5], "GET /item/%d?n=", &i); err != nil {
			t.Fatalf("request field %q: %v", m[5], err)
		}
		if seen[i] {
			t.Fatalf("request %d logged twice", i)
		}
		seen[i] = true
		wantSize := "-" // Apache's %b for an empty body
		if i%7 != 0 {
			wantSize = strconv.Itoa(i % 7)
		}
		want := []string{"127.0.0.1", "-", fmt.Sprintf("user%d", i), m[4],
			fmt.Sprintf("GET /item/%d?n=%d HTTP/1.1", i, i%7), "200", wantSize,
			fmt.Sprintf("http://example.com/from/%d", i), fmt.Sprintf(`client %d "quoted" back\slash`, i)}
		got := []string{m[1], m[2], m[3], m[4], m[5], m[6], m[7], unescapeApache(m[8]), unescapeApache(m[9])}
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("line %q: field %d is %q, want %q", line, k+1, got[k], want[k])
			}
		}
	}
	if len(seen) != n {
		t.Fatalf("logged %d distinct requests, want %d", len(seen), n)
	}
}

func TestCommonLine(t *testing.T) {
	out := &writes{}
	when := time.Date(2000, time.October, 10, 13, 55, 36, 0, time.FixedZone("", -7*3600))
	l := mustNew(t, Config{Output: out, Now: func() time.Time { return when }}) // zero Format: Common
	srv := serve(t, l, sizedHandler)

	req, _ := http.NewRequest("GET", srv.URL+"/apache_pb.gif?n=2326", nil)
	req.SetBasicAuth("frank", "pw")
	get(t, srv.Client(), req)

	line := out.only(t)
	want := `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?n=2326 HTTP/1.1" 200 2326`
	if line != want {
		t.Fatalf("got  %s\nwant %s", line, want)
	}
	if !apacheCommon.MatchString(line) {
		t.Fatal("the Apache Common regexp refuses the line")
	}
}

func TestCombinedOverHTTP2(t *testing.T) {
	out := &writes{}
	l := mustNew(t, Config{Format: "{combined} {scheme}", Output: out})
	srv := httptest.NewUnstartedServer(httpmw.ToHTTP(l.Middleware(sizedHandler)))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	req := mustRequest(t, srv.URL+"/h2?n=3")
	req.Header.Set("User-Agent", "h2 client")
	if status, _ := get(t, srv.Client(), req); status != http.StatusOK {
		t.Fatal(status)
	}
	line := out.only(t)
	combined, scheme, _ := strings.Cut(line, " https")
	if scheme != "" || !strings.HasSuffix(line, " https") {
		t.Fatalf("scheme not https: %q", line)
	}
	m := apacheCombined.FindStringSubmatch(combined)
	if m == nil || m[5] != "GET /h2?n=3 HTTP/2.0" || m[7] != "3" || m[9] != "h2 client" {
		t.Fatalf("line %q", line)
	}
}
