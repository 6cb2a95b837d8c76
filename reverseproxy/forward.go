package reverseproxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/httpmw/httpmw/internal/respwriter"
)

// forward proxies one request that does not ask to switch protocols. It
// does what httputil.ReverseProxy.ServeHTTP does for such a request, with
// the same rules (hop-by-hop fields dropped both ways, X-Forwarded-*, no
// Go User-Agent, unparsable queries re-encoded, 1xx passed on, trailers,
// flushing, an aborted response when the upstream body breaks), but
// without what a per-request generic path costs: the request's header
// values are shared with the outgoing request instead of copied, the
// response's are handed to the client's header map, the exchange reaches
// the balancing code as an argument instead of through a context value,
// and the flush decision reads Content-Type without a MIME parser. It
// returns a copy error when the response broke after its header went out;
// any earlier failure is left in x.err.
func (p *Proxy) forward(w *respwriter.Writer, in *http.Request, x *exchange) error {
	out := p.outgoing(in, x)
	res, err := p.roundTrip(x, out)
	x.end1xx()
	if err != nil {
		x.err = err
		return nil
	}
	if res.StatusCode == http.StatusSwitchingProtocols {
		// Only an upgrade request may be answered so; those go through
		// httputil. Anything else is a broken upstream.
		res.Body.Close()
		x.err = errUnaskedSwitch
		return nil
	}
	removeHopByHop(res.Header)
	p.modifyResponse(x, res)

	h := w.Header()
	for k, vv := range res.Header {
		if prior, ok := h[k]; ok {
			h[k] = append(prior, vv...)
		} else {
			h[k] = vv[:len(vv):len(vv)] // res is ours alone: no copy needed
		}
	}
	announced := len(res.Trailer)
	if announced > 0 {
		keys := make([]string, 0, announced)
		for k := range res.Trailer {
			keys = append(keys, k)
		}
		h.Add("Trailer", strings.Join(keys, ", "))
	}
	w.WriteHeader(res.StatusCode)

	if err := p.copyBody(w, res, p.flushEvery(res)); err != nil {
		res.Body.Close()
		return err
	}
	res.Body.Close() // now, to fill res.Trailer

	if len(res.Trailer) > 0 {
		// A trailer forces chunking; without the flush net/http could
		// compute a Content-Length for a short body and drop it.
		w.Flush()
	}
	if len(res.Trailer) == announced {
		for k, vv := range res.Trailer {
			h[k] = append(h[k], vv...)
		}
		return nil
	}
	for k, vv := range res.Trailer {
		h[http.TrailerPrefix+k] = append(h[http.TrailerPrefix+k], vv...)
	}
	return nil
}

var errUnaskedSwitch = errors.New("reverseproxy: upstream switched protocols unasked")

// outgoing builds the request sent upstream from the client's in: a shallow
// copy with its own URL and header map, whose value slices are the
// client's, capped so that a HeaderUp "add" copies instead of writing into
// them.
func (p *Proxy) outgoing(in *http.Request, x *exchange) *http.Request {
	out := in.WithContext(x.traced(in.Context()))
	u := *in.URL
	u.RawQuery = cleanQuery(u.RawQuery)
	out.URL, out.RequestURI, out.Close = &u, "", false
	if in.ContentLength == 0 {
		out.Body = nil // no body: the Transport may retry on a dead connection
	}

	hdr := make(http.Header, len(in.Header)+4)
	for k, vv := range in.Header {
		if !forwardedField(k) {
			hdr[k] = vv[:len(vv):len(vv)]
		}
	}
	removeHopByHop(hdr)
	if hasToken(in.Header["Te"], "trailers") {
		hdr["Te"] = []string{"trailers"}
	}
	out.Header = hdr

	p.rewriteOut(in, out)
	if _, ok := hdr["User-Agent"]; !ok {
		hdr["User-Agent"] = []string{""} // not Go's default
	}
	return out
}

// forwardedField reports the fields a client may not pass on as they are:
// setForwarded writes them from what this proxy saw.
func forwardedField(k string) bool {
	switch k {
	case "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto":
		return true
	}
	return false
}

// hopHeaders are the fields that concern one connection only (RFC 9110,
// 7.6.1, and the older ones RFC 2616 listed), never forwarded.
var hopHeaders = [...]string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// removeHopByHop deletes the hop-by-hop fields from h, and those its
// Connection field names.
func removeHopByHop(h http.Header) {
	for _, f := range h["Connection"] {
		for f != "" {
			var name string
			name, f, _ = strings.Cut(f, ",")
			if name = textproto.TrimString(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

// isUpgrade reports a request asking to switch protocols (a websocket):
// its Connection field lists "upgrade".
func isUpgrade(r *http.Request) bool {
	return hasToken(r.Header["Connection"], "upgrade")
}

// hasToken reports whether the comma separated lines list token, ignoring
// case.
func hasToken(lines []string, token string) bool {
	for _, v := range lines {
		for v != "" {
			var item string
			item, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(textproto.TrimString(item), token) {
				return true
			}
		}
	}
	return false
}

// maxQueryParams is the most query parameters passed on as they are; a
// longer query is re-encoded, which caps it as net/url does.
const maxQueryParams = 10000

// cleanQuery returns the raw query unchanged when net/url parses all of
// it, and re-encoded otherwise (a ";" separator, a bad escape, too many
// parameters), as httputil does: an upstream must not read parameters
// that this side, and whoever filtered the request, could not see.
func cleanQuery(q string) string {
	if strings.Count(q, "&")+1 > maxQueryParams {
		return reencode(q)
	}
	for i := 0; i < len(q); {
		switch q[i] {
		case ';':
			return reencode(q)
		case '%':
			if i+2 >= len(q) || !isHex(q[i+1]) || !isHex(q[i+2]) {
				return reencode(q)
			}
			i += 3
		default:
			i++
		}
	}
	return q
}

func reencode(q string) string {
	v, _ := url.ParseQuery(q)
	return v.Encode()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// flushEvery is how often the body is flushed to the client: at every
// write (-1) for an event stream or a body of unknown length, which must
// not sit in a buffer, else Config.FlushInterval.
func (p *Proxy) flushEvery(res *http.Response) time.Duration {
	ct, _, _ := strings.Cut(res.Header.Get("Content-Type"), ";")
	if strings.EqualFold(strings.TrimSpace(ct), "text/event-stream") || res.ContentLength == -1 {
		return -1
	}
	return p.rp.FlushInterval
}

// copyBody copies the upstream's body to w through a pooled buffer,
// flushing as every says (0: never, -1: after each write).
func (p *Proxy) copyBody(w *respwriter.Writer, res *http.Response, every time.Duration) error {
	var dst io.Writer = w
	if every != 0 {
		lw := &latencyWriter{w: w, every: every}
		defer lw.stop()
		if every > 0 {
			// The header goes out on time even when the body is slow.
			lw.pending = true
			lw.t = time.AfterFunc(every, lw.delayedFlush)
		}
		dst = lw
	}
	buf := p.bufs.Get()
	defer p.bufs.Put(buf)
	for {
		n, rerr := res.Body.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			if !errors.Is(rerr, context.Canceled) {
				// The caller never hears of it: the client's
				// connection is aborted, nothing is returned.
				p.rp.ErrorLog.Printf("reverseproxy: upstream body broke after the response began: %v", rerr)
			}
			return rerr
		}
	}
}

// latencyWriter flushes what is written to w after every write (every
// < 0) or at most every apart.
type latencyWriter struct {
	w     *respwriter.Writer
	every time.Duration

	mu      sync.Mutex // the timer's flush runs on a goroutine of its own
	t       *time.Timer
	pending bool
}

func (l *latencyWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.w.Write(p)
	if l.every < 0 {
		l.w.Flush()
		return n, err
	}
	if l.pending {
		return n, err
	}
	if l.t == nil {
		l.t = time.AfterFunc(l.every, l.delayedFlush)
	} else {
		l.t.Reset(l.every)
	}
	l.pending = true
	return n, err
}

func (l *latencyWriter) delayedFlush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.pending { // stopped while this was being scheduled
		return
	}
	l.w.Flush()
	l.pending = false
}

func (l *latencyWriter) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = false
	if l.t != nil {
		l.t.Stop()
	}
}
