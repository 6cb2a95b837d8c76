package gzip

import (
	"net/http"
	"path"
	"sync"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/ascii"
)

// Compressor compresses the responses of the handlers its Middleware
// wraps. It is safe for concurrent use and holds nothing to close: its
// encoders are pooled and go with the garbage collector. Make one with New.
type Compressor struct {
	c *compressor
}

// New returns a Compressor for c, or an *httpmw.ConfigError naming the
// first bad field.
func New(c Config) (*Compressor, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	s := c.settings()
	return &Compressor{c: &compressor{
		settings: s,
		codecs:   newCodecPools(s.level),
		writers:  sync.Pool{New: func() any { return new(responseWriter) }},
		copyBufs: sync.Pool{New: func() any { return new([copyBufSize]byte) }},
	}}, nil
}

// Middleware compresses the responses of next that Config selects
// (path, extension, media type, size) for clients that accept gzip or
// zstd; every other request and response passes through untouched.
func (z *Compressor) Middleware(next httpmw.Handler) httpmw.Handler {
	return &handler{compressor: z.c, next: next}
}

// copyBufSize is the chunk ReadFrom reads while compressing.
const copyBufSize = 32 << 10

// compressor is what every handler of one middleware shares: settings
// and pools.
type compressor struct {
	*settings
	codecs   *codecPools
	writers  sync.Pool // *responseWriter
	copyBufs sync.Pool // *[copyBufSize]byte
}

type handler struct {
	*compressor
	next httpmw.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) (int, error) {
	if !h.routeCompressible(r.URL.Path) || isUpgrade(r) {
		return h.next.ServeHTTP(w, r)
	}
	// HEAD has no body to compress, and a range of an encoded body would
	// be a range of bytes the client never sees whole: both go untouched.
	enc := identity
	if r.Method != http.MethodHead && len(r.Header[hdrRange]) == 0 {
		enc = negotiate(r.Header[hdrAcceptEncoding], h.prefer)
	}
	var sentINM []string
	if enc != identity {
		r, sentINM = stripETagSuffixes(r, enc)
	}
	// Every answer on this route depends on Accept-Encoding, the ones sent
	// as they are included: a cache must not serve one to a client that
	// asked differently. The writer adds Vary as it sends the header,
	// even when it will not compress (enc is identity), so that whatever
	// Vary the handler set or added counts and Accept-Encoding is named
	// once.
	cw := h.writers.Get().(*responseWriter)
	cw.reset(h.compressor, w, enc, sentINM)
	status, err := h.next.ServeHTTP(cw, r)
	if cw.untouched() {
		// Nothing written: the caller writes the error page, or net/http
		// its empty 200.
		addVary(w.Header())
		h.release(cw)
		return status, err
	}
	if cerr := cw.close(); err == nil {
		err = cerr
	}
	h.release(cw)
	return status, err
}

func (h *handler) release(cw *responseWriter) {
	cw.clear()
	h.writers.Put(cw)
}

// routeCompressible applies Ext and Not to the request path.
func (s *settings) routeCompressible(p string) bool {
	for _, base := range s.not {
		if (httpmw.Path{Base: base}).Matches(p) {
			return false
		}
	}
	if s.allExt {
		return true
	}
	ext := path.Ext(p)
	for _, e := range s.ext {
		if ascii.EqualFold(ext, e) {
			return true
		}
	}
	return false
}

// isUpgrade reports a request to switch protocols (a websocket over
// HTTP/1.1, or over HTTP/2's extended CONNECT): the connection is handed
// over, never compressed.
func isUpgrade(r *http.Request) bool {
	return len(r.Header[hdrUpgrade]) > 0 || r.Method == http.MethodConnect
}
