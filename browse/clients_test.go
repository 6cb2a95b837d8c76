package browse

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
)

// TestHTTP2: files, ranges and listings over HTTP/2 (TLS), as browsers
// mostly fetch them.
func TestHTTP2(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "docs/digits.txt", "0123456789")
	s, err := New(Config{Root: root, Listing: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewUnstartedServer(httpmw.ToHTTP(s))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()

	get := func(path string, header ...string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, body := get("/docs/digits.txt", "Range", "bytes=3-5")
	if res.ProtoMajor != 2 || res.StatusCode != 206 || body != "345" {
		t.Errorf("range over %s: %d %q", res.Proto, res.StatusCode, body)
	}
	res, body = get("/docs/", "Accept", "text/plain")
	if res.ProtoMajor != 2 || res.StatusCode != 200 || body != "digits.txt\n" {
		t.Errorf("listing over %s: %d %q", res.Proto, res.StatusCode, body)
	}
}

// TestCurl: what a user types. curl --compressed decodes a precompressed
// sibling, -r fetches a range, and a traversal attempt with
// --path-as-is is refused.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("SKIPPED: no curl in PATH; install it: apt-get install curl")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	io.WriteString(zw, "var compressed = true;\n")
	zw.Close()
	s := newSite(t, Config{}, func(root string) {
		writeFile(t, root, "app.js", "var compressed = true;\n")
		writeFile(t, root, "app.js.gz", gz.String())
	})
	run := func(args ...string) string {
		out, err := exec.Command(curl, append([]string{"-sS", "--max-time", "20"}, args...)...).Output()
		if err != nil {
			t.Fatalf("curl %v: %v", args, err)
		}
		return string(out)
	}
	if got := run("--compressed", "-D", "-", s.srv.URL+"/app.js"); !strings.Contains(got, "Content-Encoding: gzip") || !strings.HasSuffix(got, "\r\n\r\nvar compressed = true;\n") {
		t.Errorf("curl --compressed:\n%s", got)
	}
	if got := run("-r", "4-13", s.srv.URL+"/app.js"); got != "compressed" {
		t.Errorf("curl -r: %q", got)
	}
	if got := run("--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", s.srv.URL+"/../secret.txt"); got != "400" {
		t.Errorf("curl --path-as-is /../secret.txt: %s", got)
	}
}
