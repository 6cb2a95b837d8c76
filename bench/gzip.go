package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/NYTimes/gziphandler"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/klauspost/compress/gzhttp"
	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/gzip"
)

// gzipLevel is the level every side compresses at, klauspost's default.
const gzipLevel = 5

// gzipComparisons compresses the same JSON and HTML bodies through ours,
// gzhttp, NYTimes gziphandler and chi's Compress, all at gzipLevel with
// a 512-byte minimum, for a client that accepts gzip only, then through
// ours and gzhttp for a zstd client. "out bytes" is the body each writes.
func gzipComparisons() []Comparison {
	var all []Comparison
	for _, kind := range []string{"json", "html"} {
		for _, size := range []int{2 << 10, 20 << 10, 100 << 10} {
			ct, body := "application/json", jsonPayload(size)
			if kind == "html" {
				ct, body = "text/html; charset=utf-8", htmlPayload(size)
			}
			all = append(all, gzipComparison(fmt.Sprintf("%s %dKB", kind, size>>10), ct, body))
		}
	}
	all = append(all, loopbackComparison("json 20KB over loopback", "application/json", jsonPayload(20<<10)))
	for _, size := range []int{2 << 10, 20 << 10, 100 << 10} {
		all = append(all, zstdComparison(fmt.Sprintf("zstd json %dKB", size>>10), "zstd", "application/json", jsonPayload(size)))
	}
	for _, size := range []int{2 << 10, 20 << 10, 100 << 10} {
		all = append(all, zstdComparison(fmt.Sprintf("zstd json %dKB, browser Accept-Encoding", size>>10), browserAcceptEncoding, "application/json", jsonPayload(size)))
	}
	return all
}

// browserAcceptEncoding is what Chrome and Firefox send: every side must
// pick zstd from it.
const browserAcceptEncoding = "gzip, deflate, br, zstd"

// zstdComparison is the same for a client whose Accept-Encoding ae leads
// to zstd (zstd alone, or a browser's list), against gzhttp, the one peer
// that speaks it, both at zstd's default speed (our Level 5, gzhttp's
// ZstdCompressionLevel 2).
func zstdComparison(name, ae, ct string, body []byte) Comparison {
	app := payloadHandler(ct, body)
	return sideBySide(name, body, ae, "zstd", []side{
		{"httpmw", ourCompressor(app)},
		{"klauspost gzhttp", func() (http.Handler, error) {
			wrap, err := gzhttp.NewWrapper(gzhttp.ZstdCompressionLevel(int(zstd.SpeedDefault)), gzhttp.MinSize(512))
			if err != nil {
				return nil, err
			}
			return wrap(app), nil
		}},
	})
}

func gzipComparison(name, ct string, body []byte) Comparison {
	app := payloadHandler(ct, body)
	return sideBySide(name, body, "gzip", "gzip", []side{
		{"httpmw", ourCompressor(app)},
		{"klauspost gzhttp", func() (http.Handler, error) {
			wrap, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(gzipLevel), gzhttp.MinSize(512))
			if err != nil {
				return nil, err
			}
			return wrap(app), nil
		}},
		{"NYTimes gziphandler", func() (http.Handler, error) {
			wrap, err := gziphandler.GzipHandlerWithOpts(gziphandler.CompressionLevel(gzipLevel), gziphandler.MinSize(512))
			if err != nil {
				return nil, err
			}
			return wrap(app), nil
		}},
		{"chi middleware.Compress", func() (http.Handler, error) { return middleware.Compress(gzipLevel)(app), nil }},
	})
}

func payloadHandler(ct string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ct)
		w.Write(body)
	})
}

// ourCompressor is gzip.New at gzipLevel behind the Adapter, as a user
// mounts it on a plain net/http server.
func ourCompressor(app http.Handler) func() (http.Handler, error) {
	return func() (http.Handler, error) {
		mw, err := gzip.New(gzip.Config{Level: gzipLevel})
		if err != nil {
			return nil, err
		}
		return httpmw.ToHTTP(mw.Middleware(httpmw.FromHTTP(app))), nil
	}
}

// loopbackComparison serves body from real net/http servers on
// 127.0.0.1:0, ours and gzhttp's, and loads them from 8 keep-alive
// connections asking for gzip, in loadTurns alternating slices, so
// both see the same neighbours. Each side's figures are its best slice.
func loopbackComparison(name, ct string, body []byte) Comparison {
	app := payloadHandler(ct, body)
	sides := []side{
		{"httpmw", ourCompressor(app)},
		{"klauspost gzhttp", func() (http.Handler, error) {
			wrap, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(gzipLevel), gzhttp.MinSize(512))
			if err != nil {
				return nil, err
			}
			return wrap(app), nil
		}},
	}
	var (
		once sync.Once
		figs = make([]Figures, len(sides))
		errs = make([]error, len(sides))
	)
	measure := func() {
		var urls []string
		for i, sd := range sides {
			h, err := sd.build()
			if err != nil {
				errs[i] = err
				urls = append(urls, "")
				continue
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			urls = append(urls, srv.URL+"/data")
		}
		hdr := http.Header{"Accept-Encoding": {"gzip"}}
		for range loadTurns {
			for i, url := range urls {
				if errs[i] != nil {
					continue
				}
				f, err := Load(url, 8, loadSlice, hdr)
				if err != nil {
					errs[i] = err
					continue
				}
				if figs[i] == nil || f["req/s"] > figs[i]["req/s"] {
					figs[i] = f
				}
			}
		}
	}
	runner := func(i int) Runner {
		return func() (Figures, error) {
			once.Do(measure)
			return figs[i], errs[i]
		}
	}
	return Comparison{Package: "gzip", Case: name, Ours: runner(0), Peers: []Peer{{sides[1].name, runner(1)}}}
}

// A loopbackComparison side is loaded loadTurns times for loadSlice.
const (
	loadTurns = 8
	loadSlice = 250 * time.Millisecond
)

// side is one contestant: a name and how to build its handler.
type side struct {
	name  string
	build func() (http.Handler, error)
}

// sideBySide returns a Comparison whose runners share one measurement:
// the first runner called times every side in turns, round after round,
// and each runner then hands out its own figures. The machine is shared
// with other builds and benchmarks whose load comes and goes; measured
// one after the other, two sides would see different neighbours, while
// in turns they see the same. ns/op is the fastest round (the least
// disturbed), "ns/op median" the median round.
func sideBySide(name string, body []byte, ae, enc string, sides []side) Comparison {
	var (
		once sync.Once
		figs = make([]Figures, len(sides))
		errs = make([]error, len(sides))
	)
	runner := func(i int) Runner {
		return func() (Figures, error) {
			once.Do(func() { measureSides(sides, body, ae, enc, figs, errs) })
			return figs[i], errs[i]
		}
	}
	c := Comparison{Package: "gzip", Case: name, Ours: runner(0)}
	for i := 1; i < len(sides); i++ {
		c.Peers = append(c.Peers, Peer{sides[i].name, runner(i)})
	}
	return c
}

// countingWriter is a ResponseWriter that keeps nothing but the number
// of body bytes, so the figures are the middleware's own.
type countingWriter struct {
	h    http.Header
	n    int
	keep *bytes.Buffer // the body, when checking
}

func (c *countingWriter) Header() http.Header { return c.h }
func (c *countingWriter) WriteHeader(int)     {}
func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	if c.keep != nil {
		c.keep.Write(p)
	}
	return len(p), nil
}

// sideTime is how long each side is timed for, in rounds of roundTime.
const (
	sideTime  = 700 * time.Millisecond
	roundTime = 5 * time.Millisecond
)

// measureSides checks that every side encodes body correctly with enc,
// the coding it must pick from the request's Accept-Encoding ae, then
// measures them all.
func measureSides(sides []side, body []byte, ae, enc string, figs []Figures, errs []error) {
	type contestant struct {
		i     int
		serve func()
		n     int       // serves per round
		perOp []float64 // ns/op of each round
	}
	var live []*contestant
	for i, sd := range sides {
		h, err := sd.build()
		if err != nil {
			errs[i] = err
			continue
		}
		r := httptest.NewRequest("GET", "/data", nil)
		r.Header.Set("Accept-Encoding", ae)
		w := &countingWriter{h: http.Header{}, keep: new(bytes.Buffer)}
		h.ServeHTTP(w, r)
		if ce := w.h.Get("Content-Encoding"); ce != enc {
			errs[i] = fmt.Errorf("Content-Encoding %q, want %s", ce, enc)
			continue
		}
		if got, err := decodeBody(enc, w.keep); err != nil || !bytes.Equal(got, body) {
			errs[i] = fmt.Errorf("output does not decode to the body (%v)", err)
			continue
		}
		figs[i] = Figures{"out bytes": float64(w.n)}
		w.keep = nil
		serve := func() {
			clear(w.h)
			h.ServeHTTP(w, r)
		}
		// Steady state: a GC that empties a pool during one window costs
		// an encoder's allocation there, whoever's pool it is.
		allocs, bytes := allocsPerOp(serve, 100)
		for range 2 {
			a, b := allocsPerOp(serve, 100)
			allocs, bytes = min(allocs, a), min(bytes, b)
		}
		figs[i]["allocs/op"], figs[i]["B/op"] = allocs, bytes
		for range 20 { // warm pools and caches
			serve()
		}
		start := time.Now()
		serve()
		n := max(1, int(roundTime/max(time.Since(start), time.Nanosecond)))
		live = append(live, &contestant{i: i, serve: serve, n: n})
	}
	// The order changes every turn, so that no side always follows the
	// same neighbour (a side run right after another klauspost user finds
	// the shared compressor code warm; one after chi does not).
	shuffle := rand.New(rand.NewPCG(1, 2))
	for begin := time.Now(); time.Since(begin) < sideTime*time.Duration(len(live)); {
		for _, k := range shuffle.Perm(len(live)) {
			c := live[k]
			// Two collections empty every sync.Pool, so each round runs
			// on encoders allocated afresh: one long-lived encoder per
			// side would freeze one memory layout, and the cache aliasing
			// of the encoders' big tables alone moves a side's figure by
			// up to 10% (measured: two instances of ours differed so).
			// The untimed serve refills the pools.
			runtime.GC()
			runtime.GC()
			c.serve()
			t0 := time.Now()
			for range c.n {
				c.serve()
			}
			c.perOp = append(c.perOp, float64(time.Since(t0).Nanoseconds())/float64(c.n))
		}
	}
	for _, c := range live {
		slices.Sort(c.perOp)
		figs[c.i]["ns/op"] = c.perOp[0]
		figs[c.i]["ns/op median"] = c.perOp[len(c.perOp)/2]
	}
}

func decodeBody(enc string, r io.Reader) ([]byte, error) {
	if enc == "zstd" {
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return io.ReadAll(zr)
	}
	zr, err := kgzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// jsonPayload is an API-like JSON array of about size bytes: records
// with repeating keys and varying values, as a list endpoint returns.
func jsonPayload(size int) []byte {
	var b strings.Builder
	b.WriteString("[")
	seed := uint32(7)
	for i := 0; b.Len() < size-200; i++ {
		seed = seed*1664525 + 1013904223
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"user-%x","email":"user%d@example.com","active":%t,"score":%d.%02d,"tags":["t%d","t%d"],"created":"2026-%02d-%02dT%02d:%02d:00Z"}`,
			1000+i, seed>>8, seed%10007, seed%3 == 0, seed%1000, seed%100, seed%13, seed%29,
			1+seed%12, 1+seed%28, seed%24, seed%60)
	}
	b.WriteString("]")
	return pad([]byte(b.String()), size, ' ')
}

// htmlPayload is a page of about size bytes: a table of varied rows.
func htmlPayload(size int) []byte {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><meta charset=\"utf-8\"><title>Orders</title>" +
		"<link rel=\"stylesheet\" href=\"/style.css\"></head><body><h1>Orders</h1><table class=\"orders\">\n")
	seed := uint32(11)
	for i := 0; b.Len() < size-100; i++ {
		seed = seed*1664525 + 1013904223
		fmt.Fprintf(&b, "<tr class=\"row-%d\"><td><a href=\"/orders/%d\">#%d</a></td><td>%s</td><td class=\"num\">%d.%02d</td><td>%s</td></tr>\n",
			i%2, 5000+i, 5000+i, []string{"shipped", "pending", "cancelled", "delivered"}[seed%4], seed%900, seed%100,
			[]string{"Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"}[seed%5])
	}
	b.WriteString("</table></body></html>\n")
	return pad([]byte(b.String()), size, '\n')
}

// pad cuts or fills p to exactly size bytes (whitespace keeps it valid
// enough for a compressor, which is all that reads it).
func pad(p []byte, size int, fill byte) []byte {
	for len(p) < size {
		p = append(p, fill)
	}
	return p[:size]
}
