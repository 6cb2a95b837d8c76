package fcgi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testfpm"
	"github.com/httpmw/httpmw/internal/testhttp"
)

// Scripts the tests run; written under the document root of each php-fpm.
var testScripts = map[string]string{
	"env.php":       `<?php header('Content-Type: application/json'); echo json_encode($_SERVER);`,
	"hello.php":     `<?php echo "Hello World\n";`,
	"pool.php":      `<?php echo getenv('FPM_POOL');`,
	"index.php":     `<?php echo "root index\n";`,
	"dir/index.php": `<?php echo "dir index\n";`,
	"form.php": `<?php header('Content-Type: application/json');
$files = [];
foreach ($_FILES as $k => $f) { $files[$k] = ['name' => $f['name'], 'size' => $f['size'], 'error' => $f['error'], 'md5' => $f['error'] ? '' : md5_file($f['tmp_name'])]; }
echo json_encode(['get' => $_GET, 'post' => $_POST, 'files' => $files]);`,
	"input.php": `<?php header('Content-Type: text/plain'); echo strlen(file_get_contents('php://input')), ' ', md5(file_get_contents('php://input')), ' ', $_SERVER['CONTENT_LENGTH'] ?? '-';`,
	"headers.php": `<?php
header('Status: 201 Created');
header('X-One: 1');
header('X-Multi: a');
header('X-Multi: b', false);
setcookie('first', 'one');
setcookie('second', 'two', ['path' => '/x', 'httponly' => true]);
echo "made\n";`,
	"nocontent.php":    `<?php http_response_code(204); echo "ignored";`,
	"teapot.php":       `<?php http_response_code(418); echo "short and stout\n";`,
	"redirect.php":     `<?php header('Location: https://example.com/elsewhere');`,
	"warn.php":         `<?php error_log("boom-on-stderr"); trigger_error("warned-on-stderr", E_USER_WARNING); echo "still fine\n";`,
	"big.php":          `<?php $chunk = str_repeat('0123456789abcdef', 4096); for ($i = 0; $i < 800; $i++) { echo $chunk; }`,
	"stream.php":       `<?php echo "first\n"; flush(); $f = fopen($_GET['fifo'], 'r'); fgets($f); echo "second\n";`,
	"slow.php":         `<?php usleep(1500000); echo "late\n";`,
	"uploads/evil.jpg": `<?php echo "PWNED\n";`,
	"İİ/s.php":         `<?php header('Content-Type: application/json'); echo json_encode($_SERVER);`,
	"Case.pHp":         `<?php echo "case folded\n";`,
}

func writeScripts(f *testfpm.Server) {
	for name, body := range testScripts {
		f.Script(name, body)
	}
}

// nextMarker is the handler after fcgi in test chains: it answers so a
// test can see that a request was passed on.
var nextMarker = httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
	io.WriteString(w, "next handler\n")
	return http.StatusOK, nil
})

// site is php-fpm with the test scripts, our handler in front of it, and
// an HTTP server in front of that.
type site struct {
	fpm *testfpm.Server
	h   *Handler
	srv *httptest.Server
}

func newSite(t *testing.T, fpm *testfpm.Server, cfg Config) *site {
	t.Helper()
	if cfg.Root == "" {
		cfg.Root = fpm.Root
	}
	if len(cfg.Endpoints) == 0 {
		cfg.Endpoints = []string{fpm.Addr}
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	edge := httpmw.Adapter{OnError: func(r *http.Request, status int, err error) {
		t.Logf("%s %s: %d %v", r.Method, r.URL.Path, status, err)
	}}
	srv := httptest.NewServer(edge.Handler(h.Middleware(nextMarker)))
	t.Cleanup(func() { srv.Close(); h.Close() })
	return &site{fpm: fpm, h: h, srv: srv}
}

func get(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	return testhttp.Do(t, c.Do, testhttp.NewRequest(t, "GET", url))
}

func serverVars(t *testing.T, body string) map[string]any {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("not $_SERVER JSON: %v: %.300s", err, body)
	}
	return env
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
