package fcgi

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/httpmw/httpmw/balancer"
	"github.com/httpmw/httpmw/internal/ascii"
	"github.com/httpmw/httpmw/internal/cfgerr"
)

// Config describes one FastCGI site, in the words of Caddy 0.x's
// `fastcgi path endpoint [php]` directive. Its zero value serves PHP from
// the working directory through php-fpm on 127.0.0.1:9000.
type Config struct {
	// Endpoints are the FastCGI servers: "host:port", "tcp://host:port",
	// "unix:/path/to.sock" or a socket path starting with "/". With more
	// than one, requests are spread across them. Empty means
	// "127.0.0.1:9000", php-fpm's stock address.
	Endpoints []string

	// Policy spreads requests over several Endpoints. Empty means
	// balancer.PolicyRoundRobin. An endpoint that fails (refuses, times
	// out, breaks the protocol) leaves rotation for 10 seconds, and the
	// request that found it down tries the next one. When all are out of
	// rotation, one is tried anyway, so a restarted php-fpm serves at
	// once. A request's own faults (a header too large, a bad, slow or cut
	// body, a client that leaves or stops reading) never count against an
	// endpoint.
	Policy balancer.Policy

	// Root is the document root: scripts must exist under it, and it is
	// DOCUMENT_ROOT and the base of SCRIPT_FILENAME. Empty means the
	// working directory.
	Root string

	// UpstreamRoot is Root as the FastCGI server sees it, when that differs
	// (php-fpm in a container with the site mounted elsewhere): it becomes
	// DOCUMENT_ROOT and the base of SCRIPT_FILENAME and PATH_TRANSLATED,
	// while scripts are still looked up under Root. Caddy 0.x called this
	// the fastcgi root. Empty means Root. It must be an absolute path.
	UpstreamRoot string

	// Ext sends requests whose path ends with it (such as ".php") to
	// FastCGI even when Split is empty. ASCII letters match in either case.
	Ext string

	// Split cuts the path into SCRIPT_NAME and PATH_INFO at its first
	// occurrence that ends the path or is followed by '/'. It starts with
	// '.' and is ASCII only; ASCII letters match in either case, and no
	// other character folds (no Unicode case folding).
	Split string

	// Index lists the files tried, in order, for a request whose path ends
	// in '/'.
	//
	// When Ext, Split and Index are all empty, Caddy's php preset applies:
	// Ext ".php", Split ".php", Index ["index.php"].
	Index []string

	// Env adds or overrides CGI variables for every request.
	Env map[string]string

	// Except lists path prefixes (matched as httpmw.Path) never sent to
	// FastCGI; they go to the next handler.
	Except []string

	// DialTimeout bounds connecting to an endpoint. Zero means 5s.
	DialTimeout time.Duration

	// WriteTimeout bounds each write of the request to the endpoint.
	// Zero means 60s.
	WriteTimeout time.Duration

	// ReadTimeout bounds the wait for each read from the endpoint,
	// including the time the script takes before its first output and
	// the wait for a free connection. Zero means 60s.
	ReadTimeout time.Duration

	// SendTimeout bounds each write of the response to the client, as
	// nginx's send_timeout does: a client that stops reading for this long
	// loses its response, and the FastCGI connection (and php-fpm worker)
	// it held is freed. It applies through http.ResponseController, like
	// BodyTimeout, and takes the place of http.Server.WriteTimeout's
	// deadline, so a long response that keeps moving is not cut. Zero
	// means 60s.
	SendTimeout time.Duration

	// MaxConns caps the open connections to each endpoint; requests beyond
	// it wait for one. php-fpm ties a worker to every kept-alive
	// connection, so set it to pm.max_children minus whatever else talks
	// to that pool (see "Sizing MaxConns" in the package doc). Zero means
	// 5, the Debian pool's default.
	MaxConns int

	// IdleTimeout closes a pooled connection left unused this long, which
	// frees its php-fpm worker. Zero means 30s.
	IdleTimeout time.Duration

	// SpoolMemory is how much of a request body is held in memory; a
	// longer one goes to a temporary file. Every body is read whole from
	// the client before a FastCGI connection is taken, so a client that
	// uploads slowly holds no php-fpm worker, as nginx does with
	// client_body_buffer_size. Zero means 16 KiB.
	SpoolMemory int64

	// MaxSpool is the largest request body accepted, with or without
	// Content-Length; a larger one gets 413 and never reaches the FastCGI
	// server (nginx's client_max_body_size). Zero means 64 MiB.
	MaxSpool int64

	// BodyTimeout is the longest wait for the next bytes of a request body
	// while it is read from the client; past it, 408 (nginx's
	// client_body_timeout). It applies through http.ResponseController,
	// so the ResponseWriter must support SetReadDeadline, as net/http's
	// does (and wrappers that Unwrap to it); otherwise only
	// http.Server.ReadTimeout bounds the read. Where it applies, it takes
	// the place of http.Server.ReadTimeout's deadline, which is lifted
	// once the body is read. Zero means 60s.
	BodyTimeout time.Duration

	// TempDir holds bodies longer than SpoolMemory. A spool file is
	// unlinked as soon as it is created, so none is left behind, whatever
	// ends the request or the process. Empty means os.TempDir().
	TempDir string

	// ServerSoftware is SERVER_SOFTWARE. Empty means "httpmw".
	ServerSoftware string

	// OnStderr receives what the script wrote to FastCGI's stderr (PHP
	// warnings and error_log() calls), one record at a time; msg is the
	// hook's to keep. The response is unaffected. nil logs each message
	// with slog.Default() at level Warn.
	OnStderr func(r *http.Request, msg []byte)

	// OnAbort receives the error when the FastCGI server fails after the
	// response has begun (it died, timed out, or broke the protocol). The
	// client connection is then aborted with http.ErrAbortHandler, as
	// httputil.ReverseProxy does, so the client sees a cut response
	// instead of a short one that looks complete. nil logs the error with
	// slog.Default() at level Error.
	OnAbort func(r *http.Request, err error)
}

// PHP returns Caddy's php preset: Ext ".php", Split ".php", Index
// "index.php", serving root through the given endpoints.
func PHP(root string, endpoints ...string) Config {
	return Config{Root: root, Endpoints: endpoints, Ext: ".php", Split: ".php", Index: []string{"index.php"}}
}

// settings is a Config with defaults applied and values checked.
type settings struct {
	Config
	root   string // absolute, cleaned
	remote string // UpstreamRoot, or root
	ext    string // lower case
	split  string // lower case
	except []string
}

func (c Config) settings() (*settings, error) {
	s := &settings{Config: c}
	if len(s.Endpoints) == 0 {
		s.Endpoints = []string{"127.0.0.1:9000"}
	}
	for i, e := range s.Endpoints {
		if _, _, err := parseEndpoint(e); err != nil {
			return nil, cfgerr.New("fcgi", fmt.Sprintf("Config.Endpoints[%d]", i), "%w", err)
		}
	}
	root := s.Root
	if root == "" {
		root = "."
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, cfgerr.New("fcgi", "Config.Root", "%w", err)
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, cfgerr.New("fcgi", "Config.Root", "%q is not a directory", root)
	}
	s.root = abs
	s.remote = abs
	if s.UpstreamRoot != "" {
		if !filepath.IsAbs(s.UpstreamRoot) || strings.ContainsRune(s.UpstreamRoot, 0) {
			return nil, cfgerr.New("fcgi", "Config.UpstreamRoot", "must be an absolute path, got %q", s.UpstreamRoot)
		}
		s.remote = filepath.Clean(s.UpstreamRoot)
	}

	if s.Ext == "" && s.Split == "" && len(s.Index) == 0 {
		p := PHP("")
		s.Ext, s.Split, s.Index = p.Ext, p.Split, p.Index
	}
	if s.ext, err = suffixOption(s.Ext); err != nil {
		return nil, cfgerr.New("fcgi", "Config.Ext", "%w", err)
	}
	if s.split, err = suffixOption(s.Split); err != nil {
		return nil, cfgerr.New("fcgi", "Config.Split", "%w", err)
	}
	for i, idx := range s.Index {
		if idx == "" || strings.ContainsAny(idx, "/\x00") || idx == "." || idx == ".." {
			return nil, cfgerr.New("fcgi", fmt.Sprintf("Config.Index[%d]", i), "%q must be a plain file name", idx)
		}
	}
	for k, v := range s.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			return nil, cfgerr.New("fcgi", "Config.Env", "%q: names must be non-empty without '=' or NUL, values without NUL", k)
		}
		if pairSize(len(k), len(v)) > maxContent {
			return nil, cfgerr.New("fcgi", "Config.Env", "%q: name and value exceed one FastCGI record (%d bytes)", k, maxContent)
		}
	}
	for i, e := range s.Except {
		if !strings.HasPrefix(e, "/") {
			return nil, cfgerr.New("fcgi", fmt.Sprintf("Config.Except[%d]", i), "%q must start with '/'", e)
		}
		s.except = append(s.except, e)
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"DialTimeout", &s.DialTimeout, 5 * time.Second},
		{"WriteTimeout", &s.WriteTimeout, 60 * time.Second},
		{"ReadTimeout", &s.ReadTimeout, 60 * time.Second},
		{"IdleTimeout", &s.IdleTimeout, 30 * time.Second},
		{"BodyTimeout", &s.BodyTimeout, 60 * time.Second},
		{"SendTimeout", &s.SendTimeout, 60 * time.Second},
	} {
		if *d.v < 0 {
			return nil, cfgerr.New("fcgi", "Config."+d.name, "must not be negative, got %v", *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if s.MaxConns < 0 {
		return nil, cfgerr.New("fcgi", "Config.MaxConns", "must not be negative, got %d", s.MaxConns)
	}
	if s.MaxConns == 0 {
		s.MaxConns = 5
	}
	if s.SpoolMemory < 0 {
		return nil, cfgerr.New("fcgi", "Config.SpoolMemory", "must not be negative, got %d", s.SpoolMemory)
	}
	if s.MaxSpool < 0 {
		return nil, cfgerr.New("fcgi", "Config.MaxSpool", "must not be negative, got %d", s.MaxSpool)
	}
	if s.SpoolMemory == 0 {
		s.SpoolMemory = 16 << 10
	}
	if s.MaxSpool == 0 {
		s.MaxSpool = 64 << 20
	}
	if s.TempDir != "" {
		if fi, err := os.Stat(s.TempDir); err != nil || !fi.IsDir() {
			return nil, cfgerr.New("fcgi", "Config.TempDir", "%q is not a directory", s.TempDir)
		}
	}
	if s.ServerSoftware == "" {
		s.ServerSoftware = "httpmw"
	}
	return s, nil
}

// suffixOption checks Ext or Split: empty, or '.' followed by ASCII
// without '/' or NUL. It returns the value in lower case.
func suffixOption(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if v[0] != '.' || len(v) < 2 {
		return "", fmt.Errorf("must start with \".\" and name an extension, got %q", v)
	}
	b := []byte(v)
	for i, c := range b {
		if c >= 0x80 || c < 0x20 || c == '/' || c == 0x7f {
			return "", fmt.Errorf("must be printable ASCII without '/', got %q", v)
		}
		b[i] = ascii.Lower(c)
	}
	return string(b), nil
}

func (s *settings) onAbort(r *http.Request, err error) {
	if s.OnAbort != nil {
		s.OnAbort(r, err)
		return
	}
	slog.Default().Error("fcgi: response cut short", "path", r.URL.Path, "err", err)
}

func (s *settings) onStderr(r *http.Request, msg []byte) {
	if s.OnStderr != nil {
		s.OnStderr(r, msg)
		return
	}
	slog.Default().Warn("fcgi: stderr", "path", r.URL.Path, "msg", strings.TrimSpace(string(msg)))
}
