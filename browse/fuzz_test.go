package browse

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCleanRequestPath: whatever the request path, an accepted one is
// rooted, clean, free of "..", backslashes and NUL, and names a valid
// path inside the os.Root; a refused one is a 400 or a 404.
func FuzzCleanRequestPath(f *testing.F) {
	for _, s := range []string{"/", "", "/a/b", "a", "/a/../b", "/..", "..", "/%2e%2e", "/a\\b", "/a\x00",
		"//a//b/", "/./a/.", "/...", "/a/..b", strings.Repeat("/x", 3000), "/" + strings.Repeat("y", 256)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		clean, slash, status := cleanRequestPath(p)
		if status != 0 {
			if status != http.StatusBadRequest && status != http.StatusNotFound {
				t.Fatalf("%q: status %d", p, status)
			}
			return
		}
		if !strings.HasPrefix(clean, "/") || path.Clean(clean) != clean {
			t.Fatalf("%q: %q is not clean and rooted", p, clean)
		}
		if strings.ContainsAny(clean, "\\\x00") || strings.Contains("/"+clean+"/", "/../") {
			t.Fatalf("%q: %q escapes", p, clean)
		}
		// What reaches os.Root: "." or slash-separated names, none of
		// them empty, "." or ".." (bytes need not be UTF-8 on Linux).
		if name := rootName(clean); name != "." {
			for _, elem := range strings.Split(name, "/") {
				if elem == "" || elem == "." || elem == ".." {
					t.Fatalf("%q: %q has element %q", p, name, elem)
				}
			}
		}
		if slash != strings.HasSuffix(p, "/") {
			t.Fatalf("%q: slash %v", p, slash)
		}
	})
}

// FuzzParseListQuery: any query parses or is refused without panicking,
// and what parses encodes back to the same query.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{"", "sort=size&order=desc", "limit=10&offset=20", "sort=%74ime", "limit=+1",
		"sort=name&sort=size", "x=1&&=&sort", "limit=1073741824", "offset=99999999999999999999", "order=%zz", "%zz=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseListQuery(raw)
		if err != nil {
			return
		}
		if q.limit < 0 || q.offset < 0 || q.limit > maxQueryNumber || q.offset > maxQueryNumber {
			t.Fatalf("%q: out of range %+v", raw, q)
		}
		again, err := parseListQuery(q.encode())
		if err != nil || again != q {
			t.Fatalf("%q: %+v encodes to %q, parsed back as %+v, %v", raw, q, q.encode(), again, err)
		}
	})
}

// FuzzAcceptWeights: weights stay in range and the best offer is one that
// the header weighs highest.
func FuzzAcceptWeights(f *testing.F) {
	for _, s := range []string{"", "gzip", "gzip;q=0.5, br", "*;q=0", "br;q=1.000, zstd;q=0.999", "text/*;q=0.3, */*",
		"application/json;charset=utf-8;q=0.9", ",,;;q=,", "gzip;q=2", "GZIP;Q=0.5", "text/html,application/xhtml+xml,*/*;q=0.8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		for _, offers := range [][]string{codingNames, formatTypes} {
			weights := make([]int, len(offers))
			acceptWeights(header, offers, weights)
			for i, w := range weights {
				if w < -1 || w > 1000 {
					t.Fatalf("%q: weight %d for %s", header, w, offers[i])
				}
			}
			best := bestOffer(header, offers, -2)
			if best >= 0 {
				for _, w := range weights {
					if w > weights[best] {
						t.Fatalf("%q: best %s (%d) but %v", header, offers[best], weights[best], weights)
					}
				}
			}
		}
	})
}

// FuzzAppendJSONString: the output is one valid JSON string holding the
// input (invalid UTF-8 replaced, as encoding/json does).
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a b", "\"\\", "<script>&", "\x00\x1f\x7f", "\xff\xfe", "é\u2028\u2029😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q: invalid JSON %s: %v", s, out, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); got != want && utf8.ValidString(s) {
			t.Fatalf("%q: decoded as %q", s, got)
		}
	})
}

// FuzzCompareNames: the name order is a total order (antisymmetric, and
// equal only for equal names), so sorting is deterministic across pages.
func FuzzCompareNames(f *testing.F) {
	for _, p := range [][2]string{{"a", "b"}, {"file2", "file10"}, {"a01", "a1"}, {"B", "a"}, {"x9y", "x09y"}, {"", "0"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := compareNames(a, b), compareNames(b, a)
		if ab != -ba || (ab == 0) != (a == b) {
			t.Fatalf("compare(%q, %q) = %d, reverse %d", a, b, ab, ba)
		}
		// The sort keys order names as compareNatural does (names are at
		// most 255 bytes, as file names are).
		if len(a) > 255 || len(b) > 255 {
			return
		}
		ka, kb := appendNaturalKey(nil, a), appendNaturalKey(nil, b)
		if got, want := bytes.Compare(ka, kb), compareNatural(a, b); got != sign(want) {
			t.Fatalf("keys of %q, %q compare %d, names %d", a, b, got, want)
		}
	})
}

// FuzzEscapeSegment: an escaped name is one path segment that decodes
// back to the name.
func FuzzEscapeSegment(f *testing.F) {
	for _, s := range []string{"a b", "a:b", "?#", "%41", "..", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := escapeSegment(s)
		if strings.ContainsAny(e, "/?#:") {
			t.Fatalf("%q: %q", s, e)
		}
		back, err := pathUnescape(e)
		if err != nil || back != s {
			t.Fatalf("%q: %q decodes to %q, %v", s, e, back, err)
		}
	})
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
