package browse

import (
	"path/filepath"
	"testing"
)

// BenchmarkServeFile serves a small file from a plain Root and from a
// Root that is a symlink (followed: one stat per request), to show what
// following costs.
func BenchmarkServeFile(b *testing.B) {
	parent := b.TempDir()
	writeRevision(b, parent, 0)
	pointLink(b, parent, "current", "rev-0")
	for _, c := range []struct{ name, root string }{
		{"plain", filepath.Join(parent, "rev-0")},
		{"symlink", filepath.Join(parent, "current")},
	} {
		b.Run(c.name, func(b *testing.B) {
			s, err := New(Config{Root: c.root})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			b.ReportAllocs()
			for b.Loop() {
				w := newRecorder()
				if status, err := s.ServeHTTP(w, newRequest("GET", "/data")); status >= 400 || err != nil {
					b.Fatal(status, err)
				}
			}
		})
	}
}
