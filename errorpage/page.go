package errorpage

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/httpmw/httpmw"
)

// staleOnError are headers an inner handler may have set for a body it
// never sent; they would describe the wrong body.
var staleOnError = []string{"Content-Length", "Content-Encoding", "Content-Range", "ETag", "Last-Modified"}

// render writes the response for status: the page file when there is one
// and detail is empty, else a plain text page with detail below the
// status line. Headers the handler set (WWW-Authenticate, Allow,
// Retry-After...) are kept.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, detail string) {
	if name, ok := p.pages[status]; ok && detail == "" {
		body, err := p.readPage(name)
		if err == nil {
			writePage(w, status, name, body)
			return
		}
		p.log.notice(r, status, err)
	}
	if detail == "" {
		httpmw.WriteErrorPage(w, r, status)
		return
	}
	h := w.Header()
	for _, k := range staleOnError {
		h.Del(k)
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%d %s\n\n%s\n", status, http.StatusText(status), detail)
}

// readPage reads a page file whole, so that a read error can still fall
// back to the plain page rather than cut a response short.
func (p *Pages) readPage(name string) ([]byte, error) {
	var f *os.File
	var err error
	if p.dir != nil {
		f, err = p.dir.Open(name)
	} else {
		f, err = os.OpenInRoot(p.root, name)
	}
	if err != nil {
		return nil, fmt.Errorf("could not load error page: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("could not load error page: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("could not load error page %s: not a regular file", name)
	}
	if fi.Size() > p.maxSize {
		return nil, fmt.Errorf("could not load error page %s: %d bytes, over the %d of MaxPageSize", name, fi.Size(), p.maxSize)
	}
	// One byte more than the stat said, to see a file that grew since.
	body := make([]byte, fi.Size()+1)
	n, err := io.ReadFull(f, body)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return body[:n], nil // a file that shrank since is sent as it is now
	case err != nil:
		return nil, fmt.Errorf("could not load error page %s: %w", name, err)
	}
	return nil, fmt.Errorf("could not load error page %s: it grew while read", name)
}

func writePage(w http.ResponseWriter, status int, name string, body []byte) {
	h := w.Header()
	for _, k := range staleOnError {
		h.Del(k)
	}
	ctype := mime.TypeByExtension(filepath.Ext(name))
	if ctype == "" {
		ctype = "text/html; charset=utf-8"
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
