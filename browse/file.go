package browse

import (
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"

	"github.com/httpmw/httpmw/internal/vary"
)

// encodings are the precompressed siblings looked for, in the server's
// order of preference when the client accepts several equally.
var encodings = [...]struct{ coding, ext string }{
	{"zstd", ".zst"},
	{"br", ".br"},
	{"gzip", ".gz"},
}

var codingNames = []string{encodings[0].coding, encodings[1].coding, encodings[2].coding}

// serveFile sends the regular file f (opened from the cleaned path name)
// with http.ServeContent: Range, conditional requests, HEAD. f itself goes
// to ServeContent, so the response writer's ReadFrom gets the *os.File and
// sendfile(2) does the copy.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, root *os.Root, f *os.File, fi fs.FileInfo, name string) (int, error) {
	h := w.Header()
	ctype := mime.TypeByExtension(path.Ext(name))
	content, info, coding := f, fi, ""
	if s.precompress {
		if sib, sibInfo, c := s.precompressed(r, root, name); sib != nil {
			defer sib.Close()
			if ctype == "" {
				// The type is the original's, not the compressed bytes'.
				ctype = sniff(f)
			}
			content, info, coding = sib, sibInfo, c
			h.Set("Content-Encoding", coding)
		}
		// The body depends on Accept-Encoding whenever a sibling may exist.
		vary.Add(h, "Accept-Encoding")
	}
	if ctype != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", ctype)
	}
	if h.Get("Etag") == "" {
		h.Set("Etag", etag(info, coding))
	}
	http.ServeContent(w, r, name, info.ModTime(), content)
	// ServeContent wrote the response, a 2xx, 304, 412 or 416: the status
	// is not known here, and the contract's 0 says so.
	return 0, nil
}

// precompressed opens the sibling of name in the encoding the client
// prefers among those present, or returns nil.
func (s *Server) precompressed(r *http.Request, root *os.Root, name string) (*os.File, fs.FileInfo, string) {
	ae := r.Header.Get("Accept-Encoding")
	if ae == "" {
		return nil, nil, ""
	}
	var buf [len(encodings)]int
	weights := buf[:]
	acceptWeights(ae, codingNames, weights)
	for {
		best := -1
		for i, q := range weights {
			if q > 0 && (best < 0 || q > weights[best]) {
				best = i
			}
		}
		if best < 0 {
			return nil, nil, ""
		}
		weights[best] = 0 // tried
		p := name + encodings[best].ext
		if ok, _ := s.visible(root, p); !ok {
			continue
		}
		f, err := open(root, p)
		if err != nil {
			continue
		}
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return f, fi, encodings[best].coding
		}
		f.Close()
	}
}

// sniff detects the content type from the first bytes, as ServeContent
// would, and rewinds.
func sniff(f *os.File) string {
	var buf [512]byte
	n, _ := io.ReadFull(f, buf[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "application/octet-stream"
	}
	return http.DetectContentType(buf[:n])
}

// etag is a strong validator from the file's modification time and size
// (as nginx's), distinct per content coding so that a cache never answers
// a conditional request for one encoding with another's.
func etag(fi fs.FileInfo, coding string) string {
	b := make([]byte, 0, 40)
	b = append(b, '"')
	b = strconv.AppendInt(b, fi.ModTime().UnixNano(), 36)
	b = append(b, '-')
	b = strconv.AppendInt(b, fi.Size(), 36)
	if coding != "" {
		b = append(b, '-')
		b = append(b, coding...)
	}
	b = append(b, '"')
	return string(b)
}
