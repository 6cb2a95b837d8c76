package inspect

import (
	"io"
	"net/http"
	"time"

	"github.com/httpmw/httpmw/internal/respwriter"
)

// captureWriter is the shared respwriter.Writer plus a copy of the first
// body bytes. Flush, Hijack and Unwrap come from the embedded Writer, so
// http.ResponseController, SSE and upgrades work through the inspector.
type captureWriter struct {
	*respwriter.Writer
	cap      capture
	start    time.Time
	headerAt time.Duration
}

var (
	_ http.Flusher    = (*captureWriter)(nil)
	_ http.Hijacker   = (*captureWriter)(nil)
	_ io.ReaderFrom   = (*captureWriter)(nil)
	_ io.StringWriter = (*captureWriter)(nil)
)

func (w *captureWriter) noteHeader() {
	if w.headerAt == 0 {
		w.headerAt = max(time.Since(w.start), 1)
	}
}

func (w *captureWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.noteHeader()
	}
	w.Writer.WriteHeader(code)
}

func (w *captureWriter) Write(p []byte) (int, error) {
	w.noteHeader()
	n, err := w.Writer.Write(p)
	w.cap.Write(p[:n])
	return n, err
}

func (w *captureWriter) WriteString(s string) (int, error) {
	w.noteHeader()
	n, err := w.Writer.WriteString(s)
	if room := w.cap.limit - len(w.cap.buf); room > 0 {
		w.cap.buf = append(w.cap.buf, s[:min(room, n)]...)
	}
	w.cap.total += int64(n)
	return n, err
}

// ReadFrom copies the first bytes through the capture, then hands the rest
// to the wrapped ReadFrom so a file still goes out with sendfile(2).
func (w *captureWriter) ReadFrom(src io.Reader) (int64, error) {
	w.noteHeader()
	var head int64
	if !w.cap.full() {
		n, err := io.Copy(writerOnly{w}, io.LimitReader(src, int64(w.cap.limit-len(w.cap.buf))))
		head = n
		if err != nil || !w.cap.full() {
			return head, err // src ended (or failed) inside the capture
		}
	}
	n, err := w.Writer.ReadFrom(src)
	w.cap.total += n
	return head + n, err
}

func (w *captureWriter) Flush() {
	w.noteHeader()
	w.Writer.Flush()
}

func (w *captureWriter) FlushError() error {
	w.noteHeader()
	return w.Writer.FlushError()
}

// writerOnly hides ReadFrom so io.Copy does not call back into it.
type writerOnly struct{ io.Writer }
