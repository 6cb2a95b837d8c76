package fcgi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"reflect"
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
	f.Add("/a.php", "", "X-Fits", strings.Repeat("v", 65000), "X-Too", strings.Repeat("w", 65530))
	f.Add("/a.php", strings.Repeat("q", 66000), "X-A", "1", "X-B", "2")
	s := mustSettings(f, Config{Root: f.TempDir()})
	f.Fuzz(func(t *testing.T, path, query, k1, v1, k2, v2 string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path, r.URL.RawQuery = path, query
		r.Header = http.Header{k1: {v1}, k2: {v2}}
		tg := target{scriptName: path, filename: s.root + "/x.php"}
		var p params
		err := s.buildParams(&p, r, tg)
		if err != nil {
			all := path + query + v1 + v2 + k1 + k2
			switch {
			case errors.Is(err, ErrBadRequest):
				if !strings.ContainsRune(all, 0) {
					t.Fatalf("error without a NUL byte: %v", err)
				}
			case errors.Is(err, ErrHeaderTooLarge), errors.Is(err, ErrURITooLong):
				if 3*len(all) < maxContent-16 { // escaping may triple the path in REQUEST_URI
					t.Fatalf("too large with %d bytes of input: %v", len(all), err)
				}
			default:
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if _, err := appendParams(nil, p.b); err != nil {
			t.Fatalf("buildParams accepted what appendParams refuses: %v", err)
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
	f.Add([]byte("A: 1\nB: 2\nA: 3\nc: 4\nSet-Cookie: x\nset-cookie: y"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h := http.Header{"Vary": {"Origin"}} // as a middleware above may have set
		status, err := parseCGIHeader(b, h)
		if err != nil {
			return
		}
		if want := referenceCGIHeader(b); !reflect.DeepEqual(h, want) {
			t.Fatalf("parsed %q into\n%v\nwant\n%v", b, h, want)
		}
		if status < 200 || status > 999 {
			t.Fatalf("status %d", status)
		}
		for k, vv := range h {
			if !validFieldName(k) {
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

// referenceCGIHeader is what parseCGIHeader must produce for a header
// block it accepts, written the plain way: line by line, each value
// appended to its field, after a Vary: Origin already there.
func referenceCGIHeader(b []byte) http.Header {
	h := http.Header{"Vary": {"Origin"}}
	for rest := string(b); rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		name, value, _ := strings.Cut(strings.TrimSuffix(line, "\r"), ":")
		key := textproto.CanonicalMIMEHeaderKey(name)
		switch key {
		case "Status", "Connection", "Keep-Alive", "Transfer-Encoding", "Trailer", "Upgrade", "Proxy-Connection":
			continue
		}
		h[key] = append(h[key], strings.Trim(value, " \t"))
	}
	return h
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
	s := mustSettings(t, Config{Root: t.TempDir()})
	r := httptest.NewRequest("GET", "/x.php", nil)
	r.Header = http.Header{"x-a": {"1"}, "X-A": {"2"}, "x-B": {"3"}, "X-b": {"4"}, "Cookie": {"c=1"}, "cookie": {"d=2"}}
	var p params
	if err := s.buildParams(&p, r, target{scriptName: "/x.php", filename: s.root + "/x.php"}); err != nil {
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

// FuzzAppendParams: the FCGI_PARAMS framing cuts records only between
// pairs, and reading the records back, each on its own as php-fpm does,
// gives the pairs that went in; a pair that cannot fit is refused.
func FuzzAppendParams(f *testing.F) {
	f.Add([]byte("SCRIPT_NAME=/x.php;QUERY_STRING=a=1"), uint32(0), uint8(1))
	f.Add([]byte("HTTP_COOKIE=a;X="), uint32(70000), uint8(1))
	f.Add([]byte("A=;B=;C="), uint32(7000), uint8(10))
	f.Add([]byte("A=b"), uint32(65535-8-len("HTTP_X")), uint8(1))
	f.Add([]byte("A=b"), uint32(65535-8-len("HTTP_X")+1), uint8(1))
	f.Add([]byte("x"), uint32(65400), uint8(3))
	f.Fuzz(func(t *testing.T, spec []byte, bigLen uint32, bigCount uint8) {
		// Pairs: "name=value" items split at ';', then bigCount values of
		// bigLen bytes (capped) named HTTP_X.
		var in [][2]string
		for _, item := range strings.Split(string(spec), ";") {
			name, value, _ := strings.Cut(item, "=")
			in = append(in, [2]string{name, value})
		}
		bigLen %= 140000
		for i := 0; i < int(bigCount%20); i++ {
			in = append(in, [2]string{"HTTP_X", strings.Repeat(string(rune('a'+i)), int(bigLen))})
		}
		var p params
		fits := true
		for _, kv := range in {
			p.addRaw(kv[0], kv[1])
			fits = fits && pairSize(len(kv[0]), len(kv[1])) <= maxContent
		}
		if fits != (p.tooLarge == "") {
			t.Fatalf("fits %v, tooLarge %q", fits, p.tooLarge)
		}
		rec, err := appendParams(nil, p.b)
		if !fits {
			if !errors.Is(err, errPairTooLarge) {
				t.Fatalf("a pair larger than a record: %v, want errPairTooLarge", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		var out [][2]string
		ended := false
		for len(rec) > 0 {
			if len(rec) < 8 || rec[0] != 1 || rec[1] != recParams || rec[3] != requestID {
				t.Fatalf("bad record header % x", rec[:min(8, len(rec))])
			}
			n, pad := int(binary.BigEndian.Uint16(rec[4:6])), int(rec[6])
			if pad != -n&7 || len(rec) < 8+n+pad {
				t.Fatalf("record of %d bytes, padding %d, %d left", n, pad, len(rec))
			}
			content := rec[8 : 8+n]
			rec = rec[8+n+pad:]
			if n == 0 {
				if len(rec) != 0 {
					t.Fatalf("%d bytes after the empty record", len(rec))
				}
				ended = true
				break
			}
			pairs, err := decodeParams(content)
			if err != nil {
				t.Fatalf("a record does not hold whole pairs: %v", err)
			}
			out = append(out, pairs...)
		}
		if !ended {
			t.Fatal("no empty FCGI_PARAMS record at the end")
		}
		if len(out) != len(in) {
			t.Fatalf("%d pairs in, %d out", len(in), len(out))
		}
		for i := range in {
			if in[i] != out[i] {
				t.Fatalf("pair %d: %.40q in, %.40q out", i, in[i], out[i])
			}
		}
	})
}
