package gzip

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	both := []encoding{encZstd, encGzip}
	gzipFirst := []encoding{encGzip, encZstd}
	onlyGzip := []encoding{encGzip}
	tests := []struct {
		ae      []string
		offered []encoding
		want    encoding
	}{
		{nil, both, identity},
		{[]string{""}, both, identity},
		{[]string{"gzip"}, both, encGzip},
		{[]string{"GZip"}, both, encGzip},
		{[]string{"x-gzip"}, both, encGzip},
		{[]string{"gzip, deflate, br, zstd"}, both, encZstd},
		{[]string{"gzip, deflate, br, zstd"}, gzipFirst, encGzip},
		{[]string{"zstd"}, onlyGzip, identity},
		{[]string{"gzip;q=0.5, zstd;q=0.4"}, both, encGzip},
		{[]string{"gzip; q=0.5 , zstd ;q=0.9"}, gzipFirst, encZstd},
		{[]string{"gzip;q=0"}, both, identity},
		{[]string{"gzip;q=0.000"}, both, identity},
		{[]string{"gzip;q=0.001"}, both, encGzip},
		{[]string{"*"}, both, encZstd},
		{[]string{"*"}, gzipFirst, encGzip},
		{[]string{"*;q=0"}, both, identity},
		{[]string{"gzip;q=0, *"}, both, encZstd},
		{[]string{"zstd;q=0, *;q=0.3"}, both, encGzip},
		{[]string{"identity"}, both, identity},
		{[]string{"identity;q=0"}, both, identity},
		{[]string{"br, deflate"}, both, identity},
		{[]string{"gzip", "zstd"}, both, encZstd}, // split over field lines
		{[]string{"gzip,,  ,zstd;q=0.1"}, both, encGzip},
		{[]string{"gzip;q=1.0, gzip;q=0"}, both, encGzip}, // first wins
		// Malformed: identity, never a guess.
		{[]string{"gzip;q=2"}, both, identity},
		{[]string{"gzip;q=1.001"}, both, identity},
		{[]string{"gzip;q=0.5000"}, both, identity},
		{[]string{"gzip;q=abc"}, both, identity},
		{[]string{"gzip;q="}, both, identity},
		{[]string{"gzip;q"}, both, identity},
		{[]string{"gz ip"}, both, identity},
		{[]string{"gzip\x00"}, both, identity},
		{[]string{";q=1"}, both, identity},
		{[]string{"gzip;level=1"}, both, encGzip},
		{[]string{strings.Repeat("gzip, ", 300)}, both, identity}, // oversized
	}
	for _, tt := range tests {
		if got := negotiate(tt.ae, tt.offered); got != tt.want {
			t.Errorf("negotiate(%q, %v) = %v, want %v", tt.ae, tt.offered, got, tt.want)
		}
	}
}

func TestParseQValue(t *testing.T) {
	for s, want := range map[string]int{"0": 0, "1": 1000, "0.5": 500, "0.25": 250, "0.125": 125, "1.": 1000, "1.000": 1000, "0.": 0} {
		if got, ok := parseQValue(s); !ok || got != want {
			t.Errorf("parseQValue(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "2", "-1", "1.5", "0.1234", ".5", "0,5", "1e0"} {
		if got, ok := parseQValue(s); ok {
			t.Errorf("parseQValue(%q) = %d, accepted", s, got)
		}
	}
}

// FuzzAcceptEncoding checks that any Accept-Encoding gives an offered
// coding or identity, without panicking, and that a coding refused with
// q=0 is never picked.
func FuzzAcceptEncoding(f *testing.F) {
	for _, seed := range []string{
		"", "gzip", "gzip, deflate, br, zstd", "zstd;q=0.9, gzip;q=1", "*;q=0",
		"gzip;q=0, *", "identity;q=0", "x-gzip", "gzip;q=0.5000", ";;,,", "gzip; q = 0.5",
		"\xff\xfe", strings.Repeat("a", 2000),
	} {
		f.Add(seed)
	}
	offered := []encoding{encZstd, encGzip}
	f.Fuzz(func(t *testing.T, ae string) {
		got := negotiate([]string{ae}, offered)
		if got != identity && got != encGzip && got != encZstd {
			t.Fatalf("negotiate(%q) = %d", ae, got)
		}
		weights, star, ok := parseAcceptEncoding([]string{ae})
		if !ok {
			if got != identity {
				t.Fatalf("malformed %q gave %v", ae, got)
			}
			return
		}
		if got != identity {
			w := weights[got]
			if w == unlisted {
				w = star
			}
			if w <= 0 {
				t.Fatalf("%q: picked %v with weight %d", ae, got, w)
			}
		}
		if len(ae) > maxAcceptEncoding && got != identity {
			t.Fatalf("oversized field gave %v", got)
		}
	})
}
