package fcgi

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// decodeParams is the FastCGI name-value pair decoder (spec section 3.4),
// to read back what buildParams encoded.
func decodeParams(b []byte) ([][2]string, error) {
	var out [][2]string
	size := func() (int, error) {
		if len(b) == 0 {
			return 0, fmt.Errorf("truncated length")
		}
		if b[0] < 128 {
			n := int(b[0])
			b = b[1:]
			return n, nil
		}
		if len(b) < 4 {
			return 0, fmt.Errorf("truncated long length")
		}
		n := int(binary.BigEndian.Uint32(b) &^ (1 << 31))
		b = b[4:]
		return n, nil
	}
	for len(b) > 0 {
		nl, err := size()
		if err != nil {
			return nil, err
		}
		vl, err := size()
		if err != nil {
			return nil, err
		}
		if nl+vl > len(b) {
			return nil, fmt.Errorf("pair overruns the stream")
		}
		out = append(out, [2]string{string(b[:nl]), string(b[nl : nl+vl])})
		b = b[nl+vl:]
	}
	return out, nil
}

func FuzzBuildParams(f *testing.F) {
	f.Add("/env.php/x", "q=1", "X-Real-IP", "1.2.3.4", "X_Real_IP", "6.6.6.6")
	f.Add("/a.php", "", "Proxy", "http://evil", "proxy", "http://evil2")
	f.Add("/a.php", "", "x-custom", "a\x00b", "X-Custom", "c")
	f.Add("/İ.php/İ", "a=%00", "Cookie", "a=1", "Content-Length", "5")
	f.Add("/a.php", strings.Repeat("q", 300), "X-Long", strings.Repeat("v", 70000), "Host", "evil")
	s, err := Config{Root: f.TempDir()}.settings()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, path, query, k1, v1, k2, v2 string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path, r.URL.RawQuery = path, query
		r.Header = http.Header{k1: {v1}, k2: {v2}}
		tg := target{scriptName: path, filename: s.root + "/x.php"}
		var p params
		err := s.buildParams(&p, r, tg, -1)
		if err != nil {
			if !strings.ContainsRune(path+query+v1+v2+k1+k2, 0) {
				t.Fatalf("error without a NUL byte: %v", err)
			}
			return
		}
		pairs, err := decodeParams(p.b)
		if err != nil {
			t.Fatalf("params do not decode: %v", err)
		}
		seen := map[string]bool{}
		for _, kv := range pairs {
			name, value := kv[0], kv[1]
			if strings.ContainsRune(name+value, 0) {
				t.Fatalf("NUL passed in %s=%q", name, value)
			}
			if seen[name] {
				t.Fatalf("%s sent twice", name)
			}
			seen[name] = true
			switch name {
			case "HTTP_PROXY":
				t.Fatalf("HTTP_PROXY sent (httpoxy)")
			case "SCRIPT_FILENAME":
				if value != tg.filename {
					t.Fatalf("SCRIPT_FILENAME %q", value)
				}
			case "QUERY_STRING":
				if value != query {
					t.Fatalf("QUERY_STRING %q, want %q", value, query)
				}
			}
			if strings.HasPrefix(name, "HTTP_") && name != "HTTP_HOST" {
				from := ""
				for _, k := range []string{k1, k2} {
					if passHeader(k) && string(appendHeaderVar(nil, k)) == name {
						from = k
					}
				}
				if from == "" {
					t.Fatalf("%s does not come from a header that may pass (%q, %q)", name, k1, k2)
				}
			}
		}
	})
}

func FuzzParseCGIHeader(f *testing.F) {
	for _, s := range []string{
		"Content-Type: text/html\r\nStatus: 404 Not Found",
		"Location: /x",
		"Status: 99",
		"Status: 2000",
		"X: a\r\n b",
		"Bad Name: x",
		"Set-Cookie: a=1\nSet-Cookie: b=2",
		"Transfer-Encoding: chunked\nContent-Length: 3",
		"X:\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h := http.Header{}
		status, err := parseCGIHeader(b, h)
		if err != nil {
			return
		}
		if status < 200 || status > 999 {
			t.Fatalf("status %d", status)
		}
		for k, vv := range h {
			if !validFieldName([]byte(k)) {
				t.Fatalf("header name %q", k)
			}
			switch k {
			case "Status", "Transfer-Encoding", "Connection":
				t.Fatalf("%s passed to the client", k)
			}
			for _, v := range vv {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("header %s value %q", k, v)
				}
			}
		}
	})
}

func TestHeaderEnd(t *testing.T) {
	for _, tc := range []struct {
		in         string
		end, start int
	}{
		{"A: b\n\nbody", 4, 6},
		{"A: b\r\n\r\nbody", 5, 8},
		{"A: b\r\n", -1, -1},
		{"A: b\n\r", -1, -1},
	} {
		end, start := headerEnd([]byte(tc.in))
		if end != tc.end || start != tc.start {
			t.Errorf("headerEnd(%q) = %d, %d; want %d, %d", tc.in, end, start, tc.end, tc.start)
		}
	}
}

// TestHeaderSpellingsMerged: keys set by code in two spellings become one
// variable, never two.
func TestHeaderSpellingsMerged(t *testing.T) {
	s, err := Config{Root: t.TempDir()}.settings()
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/x.php", nil)
	r.Header = http.Header{"x-a": {"1"}, "X-A": {"2"}, "x-B": {"3"}, "X-b": {"4"}, "Cookie": {"c=1"}, "cookie": {"d=2"}}
	var p params
	if err := s.buildParams(&p, r, target{scriptName: "/x.php", filename: s.root + "/x.php"}, -1); err != nil {
		t.Fatal(err)
	}
	pairs, err := decodeParams(p.b)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, kv := range pairs {
		got[kv[0]] = append(got[kv[0]], kv[1])
	}
	for name, want := range map[string]string{"HTTP_X_A": "2, 1", "HTTP_X_B": "4, 3", "HTTP_COOKIE": "c=1; d=2"} {
		if v := got[name]; len(v) != 1 || v[0] != want {
			t.Errorf("%s = %q, want one %q", name, v, want)
		}
	}
}
