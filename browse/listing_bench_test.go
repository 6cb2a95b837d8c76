package browse

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
)

// nullWriter is a ResponseWriter that drops the body, so a benchmark
// measures the listing, not a recorder's buffer.
type nullWriter struct{ h http.Header }

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nullWriter) WriteHeader(int)             {}

// BenchmarkListing lists a folder of n files as HTML, with ours and with
// http.FileServer on the same folder, as bench/browse.go does, so a
// profile of either side is one flag away.
func BenchmarkListing(b *testing.B) {
	for _, n := range []int{10, 1_000, 10_000} {
		dir := b.TempDir()
		big := filepath.Join(dir, "big")
		if err := os.Mkdir(big, 0o755); err != nil {
			b.Fatal(err)
		}
		for i := range n {
			name := fmt.Sprintf("file-%05d-%s.txt", i, strings.Repeat("x", i%20))
			if err := os.WriteFile(filepath.Join(big, name), make([]byte, i%4096), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		s, err := New(Config{Root: dir, Listing: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, side := range []struct {
			name string
			h    http.Handler
		}{
			{"ours", httpmw.ToHTTP(s)},
			{"http.FileServer", http.FileServer(http.Dir(dir))},
		} {
			b.Run(fmt.Sprintf("%s/%d", side.name, n), func(b *testing.B) {
				r := newRequest("GET", "/big/")
				r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
				b.ReportAllocs()
				cpu0 := cpuTime()
				for b.Loop() {
					side.h.ServeHTTP(&nullWriter{h: http.Header{}}, r)
				}
				// CPU time of the whole process (all threads, GC included)
				// per listing: on a shared machine it says what a listing
				// costs better than the wall time, which others' load skews.
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
		s.Close()
	}
}
