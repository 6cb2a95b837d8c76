package inspect

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestShowBody(t *testing.T) {
	for _, tc := range []struct {
		ct, body, kind, text string
	}{
		{"", "", "empty", ""},
		{"application/json; charset=utf-8", `{"a":[1,2]}`, "json", "{\n  \"a\": [\n    1,\n    2\n  ]\n}"},
		{"application/problem+json", `{"x":1}`, "json", "{\n  \"x\": 1\n}"},
		{"", `[1]`, "json", "[\n  1\n]"},
		{"application/json", `{"cut":`, "text", `{"cut":`}, // truncated JSON: shown as is
		{"text/html", "<p>hi</p>\n", "text", "<p>hi</p>\n"},
		{"application/octet-stream", "\x00\x01abc", "hex", "00000000  00 01 61 62 63                                    |..abc|\n"},
		{"text/plain", "caf\xe9", "hex", "00000000  63 61 66 e9                                       |caf.|\n"},
	} {
		got := showBody(tc.ct, []byte(tc.body))
		if got.Kind != tc.kind || got.Text != tc.text {
			t.Errorf("showBody(%q, %q) = %s %q, want %s %q", tc.ct, tc.body, got.Kind, got.Text, tc.kind, tc.text)
		}
	}
	got := showBody("application/x-www-form-urlencoded", []byte("z=1&a=%41+b&&bad=%zz&flag"))
	want := []field{{"z", "1"}, {"a", "A b"}, {"bad", "%zz"}, {"flag", ""}}
	if len(got.Fields) != len(want) {
		t.Fatalf("form fields %+v", got.Fields)
	}
	for i := range want {
		if got.Fields[i] != want[i] {
			t.Errorf("field %d = %+v, want %+v", i, got.Fields[i], want[i])
		}
	}
}

// FuzzShowBody: any body gives a view without panicking, and each view
// says the same as the body: JSON that compacts to the input's compact
// form, form fields that url.ParseQuery agrees with, text that is the
// body, a hex dump of every byte.
func FuzzShowBody(f *testing.F) {
	f.Add("application/json", []byte(`{"a":1,"b":[true,null,"x"]}`))
	f.Add("application/x-www-form-urlencoded", []byte("a=1&b=%20x&c"))
	f.Add("text/plain", []byte("hello\n"))
	f.Add("", []byte("\x00\xff"))
	f.Add("application/json", []byte(`{"unterminated`))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\n"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		got := showBody(ct, body)
		switch got.Kind {
		case "empty":
			if len(body) != 0 {
				t.Fatal("non-empty body shown as empty")
			}
		case "json":
			var a, b bytes.Buffer
			if json.Compact(&a, body) != nil || json.Compact(&b, []byte(got.Text)) != nil || a.String() != b.String() {
				t.Fatalf("JSON view %q differs from %q", got.Text, body)
			}
		case "form":
			q, err := url.ParseQuery(string(body))
			n := 0
			for _, vs := range q {
				n += len(vs)
			}
			if err == nil && n != len(got.Fields) {
				t.Fatalf("form %q: %d fields, ParseQuery finds %d", body, len(got.Fields), n)
			}
			for _, fl := range got.Fields {
				if err == nil && !contains(q[fl.Name], fl.Value) {
					t.Fatalf("form %q: field %+v not in %v", body, fl, q)
				}
			}
		case "text":
			if got.Text != string(body) || !isText(body) {
				t.Fatalf("text view %q of %q", got.Text, body)
			}
		case "hex":
			if lines := strings.Count(got.Text, "\n"); lines != (len(body)+15)/16 {
				t.Fatalf("hex dump of %d bytes has %d lines", len(body), lines)
			}
		default:
			t.Fatalf("kind %q", got.Kind)
		}
	})
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// FuzzTargetURL: whatever path an edit gives, a replay URL has the
// target's scheme and host, or is refused.
func FuzzTargetURL(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "//evil.example/x", "/\\evil", "/@evil", "http://evil/", "/%2F%2Fevil", "/a#frag", "/ a", "/?x=//evil"} {
		f.Add(s)
	}
	target, _ := url.Parse("http://127.0.0.1:8080")
	f.Fuzz(func(t *testing.T, p string) {
		u, err := targetURL(target, p)
		if err != nil {
			return
		}
		again, err := url.Parse(u.String())
		if err != nil {
			t.Fatalf("%q gives unparsable %q", p, u.String())
		}
		if again.Scheme != "http" || again.Host != "127.0.0.1:8080" || again.User != nil {
			t.Fatalf("%q gives %q, off the target", p, u.String())
		}
	})
}

// FuzzOriginPath: a recorded request URI always yields a path starting
// with "/" that stays on the target.
func FuzzOriginPath(f *testing.F) {
	for _, s := range []string{"/x", "http://evil/x?y", "*", "evil:80", "//evil/x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		p := originPath(uri)
		if !strings.HasPrefix(p, "/") {
			t.Fatalf("originPath(%q) = %q", uri, p)
		}
	})
}

func TestShowRecordedDecodesCompressedBodies(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"compressed":true}`))
	zw.Close()
	h := http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}
	got := showRecorded(h, gz.Bytes())
	if got.Kind != "json" || got.Decoded != "gzip" || got.DecodedPartly || !strings.Contains(got.Text, `"compressed": true`) {
		t.Errorf("gzip body shown as %+v", got)
	}
	// Cut at the capture limit: shown as far as it decodes.
	got = showRecorded(http.Header{"Content-Encoding": {"gzip"}}, gz.Bytes()[:gz.Len()-8])
	if got.Decoded != "gzip" || !got.DecodedPartly {
		t.Errorf("cut gzip body shown as %+v", got)
	}
	// Not gzip after all: shown as the bytes it is.
	if got := showRecorded(http.Header{"Content-Encoding": {"gzip"}}, []byte("plain")); got.Kind != "text" || got.Decoded != "" {
		t.Errorf("mislabelled body shown as %+v", got)
	}
	// A bomb expands to maxDecoded at most.
	var bomb bytes.Buffer
	zw = gzip.NewWriter(&bomb)
	zw.Write(make([]byte, 4*maxDecoded))
	zw.Close()
	plain, complete := decode("gzip", bomb.Bytes())
	if len(plain) != maxDecoded || complete {
		t.Errorf("bomb decoded to %d bytes, complete %v", len(plain), complete)
	}
}

// FuzzDecode: any bytes under any encoding decode without panicking and
// within the bound.
func FuzzDecode(f *testing.F) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("hello hello hello"))
	zw.Close()
	f.Add("gzip", gz.Bytes())
	f.Add("deflate", []byte{0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})
	f.Add("br", []byte("x"))
	f.Fuzz(func(t *testing.T, enc string, b []byte) {
		plain, _ := decode(enc, b)
		if len(plain) > maxDecoded {
			t.Fatalf("decoded to %d bytes", len(plain))
		}
		showRecorded(http.Header{"Content-Encoding": {enc}}, b)
	})
}
