package logger

import (
	"errors"
	"net/http"
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
