package browse

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestLargeHTMLListingInOrder: a listing of several write buffers has
// every row exactly once, in order, each with its size and time, whether
// names need escaping or not.
func TestLargeHTMLListingInOrder(t *testing.T) {
	const n = 1287
	s := newSite(t, Config{Listing: true}, func(root string) {
		for i := range n {
			name := fmt.Sprintf("f%05d", i)
			if i%100 == 0 {
				name += " <&>" // escaped in both the link and the text
			}
			writeFile(t, root, "big/"+name, strings.Repeat("x", i%3))
		}
	})
	res, body := s.get(t, "GET", "/big/", "Accept", "text/html")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	rows := regexp.MustCompile(`<tr data-size="(\d+)" data-time="\d+"><td><a href="([^"]+)">.*?<span>([^<]*)</span>.*?<time datetime="([^"]+)">`).FindAllStringSubmatch(body, -1)
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	var got []string
	for i, r := range rows {
		name := fmt.Sprintf("f%05d", i)
		href, text := name, name
		if i%100 == 0 {
			href, text = name+"%20%3C%26%3E", name+" &lt;&amp;&gt;"
		}
		if r[1] != fmt.Sprint(i%3) || r[2] != href || r[3] != text {
			t.Fatalf("row %d: size %s, href %s, text %s; want %d, %s, %s", i, r[1], r[2], r[3], i%3, href, text)
		}
		got = append(got, r[4])
	}
	if i := slices.IndexFunc(got, func(s string) bool { return len(s) != len("2006-01-02T15:04:05Z") }); i >= 0 {
		t.Fatalf("row %d time %q", i, got[i])
	}
}

// failingWriter takes limit bytes, then fails every write, as a
// connection to a client that went away does.
type failingWriter struct {
	h     http.Header
	limit int
}

func (w *failingWriter) Header() http.Header { return w.h }
func (w *failingWriter) WriteHeader(int)     {}
func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		return 0, errors.New("client gone")
	}
	w.limit -= len(p)
	return len(p), nil
}

// TestLargeHTMLListingClientGone: when writing fails halfway, the listing
// stops, says so, and leaves no goroutine behind (goleak checks at exit).
func TestLargeHTMLListingClientGone(t *testing.T) {
	s := newSite(t, Config{Listing: true}, func(root string) {
		for i := range 3072 {
			writeFile(t, root, fmt.Sprintf("big/f%05d", i), "")
		}
	})
	srv, err := New(Config{Root: s.root, Listing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, limit := range []int{0, 40 << 10, 200 << 10, 600 << 10} {
		status, err := srv.ServeHTTP(&failingWriter{h: http.Header{}, limit: limit}, newRequest("GET", "/big/"))
		if status != http.StatusOK || err == nil {
			t.Errorf("limit %d: %d, %v; want 200 and the write error", limit, status, err)
		}
	}
}
