package errorpage

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// curl runs curl with args and returns its output (headers and body with
// -i) and its exit code.
func curl(t *testing.T, args ...string) (string, int) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed; CI installs it")
	}
	out, err := exec.Command("curl", append([]string{"-sS", "--max-time", "30"}, args...)...).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n"), 0
}

func TestThroughServerWithCurl(t *testing.T) {
	dir := site(t, "404.html", "<h1>nothing here</h1>\n", "500.html", "<h1>our fault</h1>\n")
	var log testhttp.Buffer
	p, err := New(Config{Root: dir, Pages: map[int]string{404: "404.html", 500: "500.html"}, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		switch r.URL.Path {
		case "/private":
			w.Header().Set("WWW-Authenticate", `Basic realm="staff"`)
			return http.StatusUnauthorized, nil
		case "/panic":
			panic("nil map in /srv/app/handler.go")
		case "/half":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "first half\n")
			http.NewResponseController(w).Flush()
			panic("after the header")
		}
		return http.StatusNotFound, errors.New("no route for " + r.URL.Path)
	})
	srv := httptest.NewServer(httpmw.ToHTTP(p.Middleware(site)))
	defer srv.Close()

	out, code := curl(t, "-i", srv.URL+"/nope")
	if code != 0 || !strings.HasPrefix(out, "HTTP/1.1 404 Not Found\n") ||
		!strings.Contains(out, "\nContent-Type: text/html; charset=utf-8\n") ||
		!strings.HasSuffix(out, "\n\n<h1>nothing here</h1>\n") {
		t.Errorf("404: exit %d\n%s", code, out)
	}

	out, code = curl(t, "-i", srv.URL+"/private")
	if code != 0 || !strings.HasPrefix(out, "HTTP/1.1 401 Unauthorized\n") ||
		!strings.Contains(out, "\nWww-Authenticate: Basic realm=\"staff\"\n") ||
		!strings.HasSuffix(out, "\n\n401 Unauthorized\n") {
		t.Errorf("401: exit %d\n%s", code, out)
	}

	out, code = curl(t, "-i", srv.URL+"/panic")
	if code != 0 || !strings.HasPrefix(out, "HTTP/1.1 500 Internal Server Error\n") ||
		!strings.HasSuffix(out, "\n\n<h1>our fault</h1>\n") || strings.Contains(out, "nil map") {
		t.Errorf("panic: exit %d\n%s", code, out)
	}

	// A panic after the header went out cannot become a 500: the
	// connection is cut and curl reports the transfer as incomplete.
	out, code = curl(t, srv.URL+"/half")
	if code == 0 || out != "first half\n" {
		t.Errorf("panic after writing: exit %d, %q; want a failed transfer of the first half", code, out)
	}

	l := log.String()
	for _, want := range []string{
		"[ERROR 404 /nope] no route for /nope\n",
		"[PANIC /panic] nil map in /srv/app/handler.go\ngoroutine ",
		"[PANIC /half] after the header\n",
	} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
}
