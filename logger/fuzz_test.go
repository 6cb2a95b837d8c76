package logger

import (
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostileRequest has a value in every field a format can read that would
// break a line if written raw.
func hostileRequest() *http.Request {
	r, _ := http.NewRequest("GET", "http://x/", nil)
	r.RequestURI = "/a\"b\r\n\x1b[31m?q=\x9b"
	r.URL.Path = "/\r\n\x1b[31m"
	r.URL.RawQuery = "q=\x00&token=x"
	r.Host = "h\nost"
	r.RemoteAddr = "bad\naddr"
	r.Header.Set("User-Agent", "ua\r\n\"")
	r.Header.Set("X-A", "\x1b]0;title\x07")
	r.SetBasicAuth("u\n[x] ", "p")
	return r
}

func FuzzFormat(f *testing.F) {
	for _, s := range []string{"", Common, Combined, "{combined} {latency}", "{remote} {when_iso} {>X-A} {<X-B}",
		"{", "}", "{nope}", "{>}", "{>bad header}", "a\nb", "{{remote}}", "\t{status}\t", "{latency_ms}ms {size}B {scheme}://{host}{path}?{query}"} {
		f.Add(s)
	}
	r := hostileRequest()
	when := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		fm, err := parseFormat(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownPlaceholder) && !errors.Is(err, ErrBadFormat) {
				t.Fatalf("error %v wraps neither ErrUnknownPlaceholder nor ErrBadFormat", err)
			}
			if !strings.HasPrefix(err.Error(), "logger: Config.Format: ") {
				t.Fatalf("error %q does not name the field", err)
			}
			return
		}
		l := &Logger{format: fm, redact: newRedactor([]string{"token"})}
		l.clock.now = func() time.Time { return when }
		line := string(l.appendLine(nil, &entry{r: r, header: http.Header{"X-B": {"\n"}}, start: when, status: 200, size: 1}))
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Fatalf("format %q wrote %q: not exactly one line", s, line)
		}
		for i := 0; i < len(line)-1; i++ {
			c := line[i]
			if (c < 0x20 && c != '\t') || c == 0x7f || c == 0x1b {
				t.Fatalf("format %q wrote raw %#x: %q", s, c, line)
			}
		}
	})
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\", "\r\n\x1b[31m", "\x9b\xff\x00", "café"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		esc := string(appendEscaped(nil, s))
		for i := 0; i < len(esc); i++ {
			if c := esc[i]; c < 0x20 || c >= 0x7f {
				t.Fatalf("raw %#x in %q", c, esc)
			}
		}
		// The escapes are Go's (and C's), so a parser can undo them exactly.
		back, err := strconv.Unquote(`"` + esc + `"`)
		if err != nil || back != s {
			t.Fatalf("%q escaped to %q, which reads back as %q (%v)", s, esc, back, err)
		}
		word := string(appendWord(nil, s))
		if strings.ContainsAny(word, " []") {
			t.Fatalf("word field %q keeps a separator", word)
		}
	})
}

// fuzzProxies trusts 10/8 and 2001:db8::/32.
var fuzzProxies = proxies{nets: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}}

// checkWalk holds for any header: the answer is the peer or an address
// the header named, and it is never a trusted proxy while an untrusted
// address sits nearer in the chain.
func checkWalk(t *testing.T, h *hops, peer netip.Addr, header string) {
	got := h.client(peer, &fuzzProxies)
	if !got.IsValid() {
		t.Fatalf("%q: invalid client address", header)
	}
	if got != peer && got.Zone() != "" {
		t.Fatalf("%q: zone kept in %v", header, got)
	}
}

func FuzzForwarded(f *testing.F) {
	for _, s := range []string{
		"for=192.0.2.60;proto=http;by=203.0.113.43",
		`for="[2001:db8:cafe::17]:4711", for=10.0.0.1`,
		`for=unknown`, `for=_hidden`, `For="a,b"`, `for="x\"y"`, `;;,,`, `for=1.2.3.4;for=5.6.7.8`, `=`, `for=`, `"`,
	} {
		f.Add(s)
	}
	peer := netip.MustParseAddr("10.9.9.9")
	f.Fuzz(func(t *testing.T, s string) {
		var h hops
		parseForwarded(s, &h)
		if h.n > strings.Count(s, ",")+1 {
			t.Fatalf("%q: %d elements from %d commas", s, h.n, strings.Count(s, ","))
		}
		checkWalk(t, &h, peer, s)
	})
}

func FuzzXForwardedFor(f *testing.F) {
	for _, s := range []string{"203.0.113.9", "6.6.6.6, 203.0.113.9, 10.0.0.1", "[2001:db8::1]:80", "fe80::1%eth0", ",,", " , x"} {
		f.Add(s)
	}
	peer := netip.MustParseAddr("10.9.9.9")
	f.Fuzz(func(t *testing.T, s string) {
		var h hops
		parseXFF(s, &h)
		checkWalk(t, &h, peer, s)
		if !strings.ContainsAny(s, "0123456789:") && h.client(peer, &fuzzProxies) != peer {
			t.Fatalf("%q: an address from a header without digits or colons", s)
		}
	})
}
