package browse

import (
	"io"
	"net/http"
	"os"
	"path"
	"strconv"
	"time"

	"github.com/httpmw/httpmw/internal/vary"
)

// Listing formats, offered to content negotiation in this order; HTML
// wins ties and is the answer when Accept mentions none of them.
const (
	formatHTML = iota
	formatJSON
	formatText
)

var formatTypes = []string{"text/html", "application/json", "text/plain"}

// serveListing writes the listing of the folder dir (open as f, and real
// inside the root) in the format the client accepts, streamed in chunks.
func (s *Server) serveListing(w http.ResponseWriter, r *http.Request, root *os.Root, f *os.File, dir, real string) (int, error) {
	q, err := parseListQuery(r.URL.RawQuery)
	if err != nil {
		return http.StatusBadRequest, nil
	}
	read := q // what collect keeps: at most a page
	if s.maxEntries > 0 {
		if read.limit == 0 || read.limit > s.maxEntries {
			read.limit = s.maxEntries
		}
		q.limit = min(q.limit, read.limit)
		if read.offset+read.limit > s.maxEntries {
			// A deep page holds every entry before it while reading.
			select {
			case s.deep <- struct{}{}:
				defer func() { <-s.deep }()
			case <-r.Context().Done():
				return http.StatusServiceUnavailable, nil
			}
		}
	}
	entries, total, err := s.collect(root, f, real, read)
	if err != nil {
		// The folder was opened: even for Middleware, a failure to read
		// it is this server's answer, not the next handler's.
		status, err := s.fsError(err)
		if status == statusHandOn {
			status = http.StatusNotFound
		}
		return status, err
	}
	if total == 0 && dir == "/" && s.cfg.Welcome != nil {
		return s.cfg.Welcome.ServeHTTP(w, r)
	}
	format := bestOffer(r.Header.Get("Accept"), formatTypes, formatHTML)
	if format < 0 {
		format = formatHTML // nothing acceptable: HTML rather than a 406 page
	}
	if q.limit == 0 && total > q.offset+len(entries) {
		q.limit = read.limit // cut to a page: say so, and link the next
	}
	l := &listing{dir: dir, q: q, entries: entries, total: total}
	var page *boundedBuffer
	if format == formatHTML && s.cfg.Template != nil {
		// Whole, before the status: a template that fails is a 500.
		if page, err = renderTemplate(s.cfg.Template, l.forTemplate(s, r, root)); err != nil {
			return http.StatusInternalServerError, err
		}
	}
	h := w.Header()
	vary.Add(h, "Accept")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-cache") // folders change; revalidate each time
	switch {
	case format == formatJSON:
		h.Set("Content-Type", "application/json")
	case format == formatText:
		h.Set("Content-Type", "text/plain; charset=utf-8")
	case page != nil:
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(page.Len()))
	default:
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", listingCSP)
	}
	if next, ok := l.next(); ok {
		h.Set("Link", "<?"+next.encode()+">; rel=\"next\"")
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return http.StatusOK, nil
	}
	switch {
	case format == formatJSON:
		err = s.stream(w, l.writeJSON)
	case format == formatText:
		err = s.stream(w, l.writeText)
	case page != nil:
		_, err = page.WriteTo(w)
	default:
		err = s.stream(w, l.writeHTML)
	}
	if err != nil {
		return http.StatusOK, err // the client went away, mostly
	}
	return http.StatusOK, nil
}

// listing is what the built-in writers render.
type listing struct {
	dir     string
	q       listQuery
	entries []entry
	total   int
}

// forTemplate is the listing as a custom template sees it.
func (l *listing) forTemplate(s *Server, r *http.Request, root *os.Root) *Listing {
	out := &Listing{Name: path.Base(l.dir), Path: dirWithSlash(l.dir), Total: l.total,
		Sort: l.q.sort, Order: l.q.order(), Offset: l.q.offset, Limit: l.q.limit,
		CanGoUp: l.dir != "/" && s.listingAllowed(path.Dir(l.dir)),
		Req:     r, URL: r.URL, s: s, root: root}
	out.Items = make([]Item, len(l.entries))
	for i := range l.entries {
		e := &l.entries[i]
		it := Item{Name: e.name, URL: escapeSegment(e.name), Size: e.size, ModTime: time.Unix(0, e.mtime).UTC(),
			Mode: e.mode, IsDir: e.isDir(), IsSymlink: e.link}
		if it.IsDir {
			it.URL += "/"
			it.Size = 0
		}
		out.Items[i] = it
	}
	return out
}

// flushAt is the size at which a writer's buffer goes to the client: the
// page streams, so its length never sits in memory.
const flushAt = 32 << 10

// chunkWriter is an append buffer that flushes to w as it fills.
type chunkWriter struct {
	w   io.Writer
	buf []byte
	err error
}

// spill writes the buffer out once it is full.
func (c *chunkWriter) spill() {
	if len(c.buf) >= flushAt {
		c.flush()
	}
}

func (c *chunkWriter) flush() {
	if c.err == nil && len(c.buf) > 0 {
		_, c.err = c.w.Write(c.buf)
	}
	c.buf = c.buf[:0]
}

// stream runs write with a pooled buffer and sends what is left.
func (s *Server) stream(w io.Writer, write func(*chunkWriter)) error {
	c := &chunkWriter{w: w, buf: s.getBuf()}
	write(c)
	c.flush()
	s.putBuf(c.buf)
	return c.err
}

// maxPooledBuf bounds the buffers kept in Server.bufs.
const maxPooledBuf = 1 << 20

func (s *Server) getBuf() []byte {
	if bp, ok := s.bufs.Get().(*[]byte); ok {
		return (*bp)[:0]
	}
	return make([]byte, 0, flushAt+4096)
}

func (s *Server) putBuf(b []byte) {
	if cap(b) <= maxPooledBuf {
		b = b[:0]
		s.bufs.Put(&b)
	}
}
