package browse

import (
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
)

// readFromRecorder is a ResponseWriter with ReadFrom, as net/http's is,
// that records what ReadFrom was handed.
type readFromRecorder struct {
	*httptest.ResponseRecorder
	srcs []io.Reader
}

func (r *readFromRecorder) ReadFrom(src io.Reader) (int64, error) {
	r.srcs = append(r.srcs, src)
	return io.Copy(r.ResponseRecorder, src)
}

// TestSendfileKept: through the adapter and its shared response writer,
// the file reaches ReadFrom as the *os.File (in the io.LimitedReader that
// http.ServeContent uses), which is what net/http turns into sendfile(2).
func TestSendfileKept(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "big.bin", strings.Repeat("x", 1<<20))
	writeFile(t, root, "big.bin.gz", strings.Repeat("z", 1000))
	s, err := New(Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := httpmw.ToHTTP(s)
	for _, ae := range []string{"", "gzip"} {
		w := &readFromRecorder{ResponseRecorder: httptest.NewRecorder()}
		r := httptest.NewRequest("GET", "/big.bin", nil)
		if ae != "" {
			r.Header.Set("Accept-Encoding", ae)
		}
		h.ServeHTTP(w, r)
		if w.Code != 200 || len(w.srcs) != 1 {
			t.Fatalf("Accept-Encoding %q: %d, ReadFrom called %d times", ae, w.Code, len(w.srcs))
		}
		src := w.srcs[0]
		if lr, ok := src.(*io.LimitedReader); ok {
			src = lr.R
		}
		if _, ok := src.(*os.File); !ok {
			t.Errorf("Accept-Encoding %q: ReadFrom got a %T, not the *os.File", ae, w.srcs[0])
		}
	}
}
