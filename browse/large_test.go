package browse

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"

	"bufio"
	"fmt"
	"github.com/httpmw/httpmw"
	"net/http"
	"testing"
	"time"
)

// TestLargeFolder lists a folder of 100,000 entries: whole (streamed) and
// by pages, where only offset+limit entries are ever held.
func TestLargeFolder(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	start := time.Now()
	s := newSite(t, Config{Listing: true, MaxListingEntries: -1}, func(root string) { makeBigFolder(t, root, n) })
	t.Logf("%d files made in %v", n, time.Since(start))
	start = time.Now()
	defer func() { t.Logf("listed in %v", time.Since(start)) }()

	// With MaxListingEntries < 0, everything, streamed as text: one line
	// per entry, in order.
	req, _ := http.NewRequest("GET", s.srv.URL+"/big/?order=desc", nil)
	req.Header.Set("Accept", "text/plain")
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.ContentLength != -1 {
		t.Errorf("Content-Length %d: the listing was buffered, not streamed", res.ContentLength)
	}
	sc := bufio.NewScanner(res.Body)
	lines := 0
	for sc.Scan() {
		if want := fmt.Sprintf("report-%06d.txt", n-1-lines); sc.Text() != want {
			t.Fatalf("line %d: %q, want %q", lines, sc.Text(), want)
		}
		lines++
	}
	if lines != n {
		t.Errorf("%d lines, want %d", lines, n)
	}

	if !testing.Short() {
		defaultPages(t, s.root, n)
	}
}

// defaultPages lists root/big, of n entries (more than a page), with the
// default Config: a page of DefaultMaxListingEntries entries with a Link
// to the next. Then it measures the memory a listing allocates and holds
// while its client does not read, and has deep pages wait for a slot.
func defaultPages(t *testing.T, root string, n int) {
	srv, err := New(Config{Root: root, Listing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(httpmw.ToHTTP(srv))
	defer ts.Close()
	s := &site{srv: ts, client: ts.Client()}
	res, body := s.get(t, "GET", "/big/", "Accept", "text/plain")
	want := fmt.Sprintf("<?sort=name&order=asc&limit=%d&offset=%d>; rel=\"next\"", DefaultMaxListingEntries, DefaultMaxListingEntries)
	if lines := strings.Count(body, "\n"); res.StatusCode != 200 || lines != DefaultMaxListingEntries || res.Header.Get("Link") != want {
		t.Errorf("first page: %d, %d lines, Link %q", res.StatusCode, lines, res.Header.Get("Link"))
	}

	alloc, held := listingMemory(t, srv, "", 2)
	t.Logf("%d entries, default page: %.1f MB allocated per listing, %.1f MB held per client that does not read",
		n, float64(alloc)/1e6, float64(held)/1e6)
	// Unbounded, the whole folder: 28 MB allocated, 19 MB held.
	if held > 8<<20 {
		t.Errorf("%.1f MB held per listing, want a page's worth", float64(held)/1e6)
	}

	// Two deep pages whose clients do not read hold both slots: a third
	// waits for one, and leaves with 503 when its client goes away; a
	// first page does not wait. (TestListingPages reads deep pages.)
	stuck, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	for range MaxDeepListings {
		wg.Go(func() {
			r := newRequest("GET", "/big/")
			r.URL.RawQuery = "offset=90000"
			srv.ServeHTTP(&stuckWriter{h: http.Header{}, stuck: stuck, release: release}, r)
		})
	}
	for range MaxDeepListings {
		<-stuck
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if status, _ := srv.ServeHTTP(httptest.NewRecorder(), newRequest("GET", "/big/").WithContext(ctx)); status != 200 {
		t.Errorf("first page while deep ones are busy: %d", status)
	}
	r := newRequest("GET", "/big/").WithContext(ctx)
	r.URL.RawQuery = "offset=90000"
	if status, _ := srv.ServeHTTP(httptest.NewRecorder(), r); status != http.StatusServiceUnavailable {
		t.Errorf("deep page with no slot, client gone: %d, want 503", status)
	}
	close(release)
	wg.Wait()
}
