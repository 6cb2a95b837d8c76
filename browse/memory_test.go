package browse

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// makeBigFolder makes root/big with n entries, hard links to one file
// (one syscall each, the cheapest way to make a folder this large).
func makeBigFolder(t testing.TB, root string, n int) {
	t.Helper()
	dir := filepath.Join(root, "big")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// One file per worker: ext4 allows 65,000 links per inode.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := range 2 {
		one := filepath.Join(root, fmt.Sprint("one", w))
		writeFile(t, root, fmt.Sprint("one", w), "x")
		wg.Go(func() {
			for i := w; i < n; i += 2 {
				if err := os.Link(one, filepath.Join(dir, fmt.Sprintf("report-%06d.txt", i))); err != nil {
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
}

// stuckWriter is a client that never reads: its first Write blocks until
// release is closed, after saying so on stuck.
type stuckWriter struct {
	h       http.Header
	stuck   chan<- struct{}
	release <-chan struct{}
	once    sync.Once
}

func (w *stuckWriter) Header() http.Header { return w.h }
func (w *stuckWriter) WriteHeader(int)     {}
func (w *stuckWriter) Write(p []byte) (int, error) {
	w.once.Do(func() {
		w.stuck <- struct{}{}
		<-w.release
	})
	return len(p), nil
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// listingMemory measures a listing of root/big as HTML: the bytes
// allocated by one listing, and the heap each of k listings holds while
// its client does not read.
func listingMemory(t *testing.T, s *Server, query string, k int) (alloc, held uint64) {
	t.Helper()
	r := newRequest("GET", "/big/")
	r.URL.RawQuery = query
	r.Header.Set("Accept", "text/html")
	h := s.Middleware(nil)
	h.ServeHTTP(&nullWriter{h: http.Header{}}, r) // warm the pools
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	h.ServeHTTP(&nullWriter{h: http.Header{}}, r)
	runtime.ReadMemStats(&m1)
	alloc = m1.TotalAlloc - m0.TotalAlloc

	base := heapAlloc()
	stuck, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	for range k {
		wg.Go(func() {
			h.ServeHTTP(&stuckWriter{h: http.Header{}, stuck: stuck, release: release}, r.Clone(r.Context()))
		})
	}
	for range k {
		<-stuck
	}
	now := heapAlloc()
	close(release)
	wg.Wait()
	if now > base {
		held = (now - base) / uint64(k)
	}
	return alloc, held
}

// BenchmarkListing100k lists a folder of 100,000 entries as HTML with the
// default page, for -memprofile and -cpuprofile: its B/op is what one
// listing allocates.
func BenchmarkListing100k(b *testing.B) {
	root := b.TempDir()
	makeBigFolder(b, root, 100_000)
	s, err := New(Config{Root: root, Listing: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r := newRequest("GET", "/big/")
	r.Header.Set("Accept", "text/html")
	h := s.Middleware(nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(&nullWriter{h: http.Header{}}, r)
	}
}
