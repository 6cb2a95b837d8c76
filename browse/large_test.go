package browse

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
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
	s := newSite(t, Config{Listing: true}, func(root string) {
		dir := filepath.Join(root, "big")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		// Hard links to one file: one syscall per entry, the cheapest way
		// to make a folder this large.
		// (one file per worker: ext4 allows 65,000 links per inode).
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for w := range 2 {
			writeFile(t, root, fmt.Sprint("one", w), "x")
			one := filepath.Join(root, fmt.Sprint("one", w))
			wg.Go(func() {
				for i := w; i < n; i += 2 {
					if err := os.Link(one, filepath.Join(dir, fmt.Sprintf("f%06d", i))); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	})

	t.Logf("%d files made in %v", n, time.Since(start))
	start = time.Now()
	defer func() { t.Logf("listed in %v", time.Since(start)) }()

	// Everything, streamed as text: one line per entry, in order.
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
		if want := fmt.Sprintf("f%06d", n-1-lines); sc.Text() != want {
			t.Fatalf("line %d: %q, want %q", lines, sc.Text(), want)
		}
		lines++
	}
	if lines != n {
		t.Errorf("%d lines, want %d", lines, n)
	}

	// The page path holds offset+limit entries (per reading goroutine),
	// whatever the folder's size.
	srv, err := New(Config{Root: s.root})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	root := srv.cur.Load().root
	f, err := open(root, "/big")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mid := n / 2
	kept, total, err := srv.collect(root, f, "/big", listQuery{sort: SortName, limit: 3, offset: mid}, &listScratch{})
	// The page is a window on the pointers to every entry held: its
	// offset plus its capacity is how many were held.
	if err != nil || total != n || len(kept) != 3 || mid+cap(kept) > mid+3 {
		t.Fatalf("collect: %d kept (cap %d), total %d, %v", len(kept), cap(kept), total, err)
	}
	for i, e := range kept {
		if want := fmt.Sprintf("f%06d", mid+i); e.name != want {
			t.Errorf("page entry %d: %s, want %s", i, e.name, want)
		}
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	kept, _, _ = srv.collect(root, f, "/big", listQuery{sort: SortTime, limit: 10}, &listScratch{})
	if len(kept) != 10 || cap(kept) > 10 {
		t.Errorf("first page: %d kept, cap %d: more than the page was held", len(kept), cap(kept))
	}
}
