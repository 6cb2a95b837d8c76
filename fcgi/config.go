package fcgi

import (
	"errors"
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

	// FileCache is how long a script found under Root is trusted to be
	// there without another look: a stat per request is a noticeable part
	// of a fast page's cost. A script deleted within that time may still
	// be sent to the FastCGI server, which answers 404 for it; a missing
	// script is looked for on every request. Zero means 1s; negative
	// looks on every request.
	FileCache time.Duration

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
	root   string // absolute, cleaned; set by resolveDirs
	remote string // UpstreamRoot, or root
	ext    string // lower case
	split  string // lower case
	except []string
}

func invalid(field, format string, args ...any) error {
	return cfgerr.New("fcgi", "Config."+field, format, args...)
}

// durations lists the timeouts of c with their defaults.
func (c *Config) durations() []duration {
	return []duration{
		{"DialTimeout", &c.DialTimeout, 5 * time.Second},
		{"WriteTimeout", &c.WriteTimeout, 60 * time.Second},
		{"ReadTimeout", &c.ReadTimeout, 60 * time.Second},
		{"IdleTimeout", &c.IdleTimeout, 30 * time.Second},
		{"BodyTimeout", &c.BodyTimeout, 60 * time.Second},
		{"SendTimeout", &c.SendTimeout, 60 * time.Second},
	}
}

type duration struct {
	name string
	v    *time.Duration
	def  time.Duration
}

// validate checks every field of c without touching the system, returning
// an *httpmw.ConfigError for the first bad one. Root and TempDir are
// looked at by resolveDirs, in New.
func (c Config) validate() error {
	for i, e := range c.Endpoints {
		if _, _, err := parseEndpoint(e); err != nil {
			return invalid(fmt.Sprintf("Endpoints[%d]", i), "%w", err)
		}
	}
	if c.UpstreamRoot != "" && (!filepath.IsAbs(c.UpstreamRoot) || strings.ContainsRune(c.UpstreamRoot, 0)) {
		return invalid("UpstreamRoot", "must be an absolute path, got %q", c.UpstreamRoot)
	}
	if _, err := suffixOption(c.Ext); err != nil {
		return invalid("Ext", "%w", err)
	}
	if _, err := suffixOption(c.Split); err != nil {
		return invalid("Split", "%w", err)
	}
	for i, idx := range c.Index {
		if idx == "" || strings.ContainsAny(idx, "/\x00") || idx == "." || idx == ".." {
			return invalid(fmt.Sprintf("Index[%d]", i), "%q must be a plain file name", idx)
		}
	}
	for k, v := range c.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.ContainsRune(v, 0) {
			return invalid("Env", "%q: names must be non-empty without '=' or NUL, values without NUL", k)
		}
		if pairSize(len(k), len(v)) > maxContent {
			return invalid("Env", "%q: name and value exceed one FastCGI record (%d bytes)", k, maxContent)
		}
	}
	for i, e := range c.Except {
		if !strings.HasPrefix(e, "/") {
			return invalid(fmt.Sprintf("Except[%d]", i), "%q must start with '/'", e)
		}
	}
	for _, d := range c.durations() {
		if *d.v < 0 {
			return invalid(d.name, "must not be negative, got %v", *d.v)
		}
	}
	if c.MaxConns < 0 {
		return invalid("MaxConns", "must not be negative, got %d", c.MaxConns)
	}
	if c.SpoolMemory < 0 {
		return invalid("SpoolMemory", "must not be negative, got %d", c.SpoolMemory)
	}
	if c.MaxSpool < 0 {
		return invalid("MaxSpool", "must not be negative, got %d", c.MaxSpool)
	}
	return nil
}

// settings resolves the defaults of c, which validate has accepted. The
// directories are resolved after, by resolveDirs.
func (c Config) settings() *settings {
	s := &settings{Config: c}
	if len(s.Endpoints) == 0 {
		s.Endpoints = []string{"127.0.0.1:9000"}
	}
	if s.UpstreamRoot != "" {
		s.remote = filepath.Clean(s.UpstreamRoot)
	}
	if s.Ext == "" && s.Split == "" && len(s.Index) == 0 {
		p := PHP("")
		s.Ext, s.Split, s.Index = p.Ext, p.Split, p.Index
	}
	s.ext, _ = suffixOption(s.Ext)
	s.split, _ = suffixOption(s.Split)
	s.except = append(s.except, s.Except...)
	for _, d := range s.durations() {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if s.MaxConns == 0 {
		s.MaxConns = 5
	}
	if s.FileCache == 0 {
		s.FileCache = time.Second
	}
	if s.SpoolMemory == 0 {
		s.SpoolMemory = 16 << 10
	}
	if s.MaxSpool == 0 {
		s.MaxSpool = 64 << 20
	}
	if s.ServerSoftware == "" {
		s.ServerSoftware = "httpmw"
	}
	return s
}

// resolveDirs makes Root absolute and checks that it and TempDir are
// directories, the part of New that looks at the file system.
func (s *settings) resolveDirs() error {
	root := s.Root
	if root == "" {
		root = "."
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return invalid("Root", "%w", err)
	}
	if err := isDir(abs); err != nil {
		return invalid("Root", "%q: %w", root, err)
	}
	s.root = abs
	if s.UpstreamRoot == "" {
		s.remote = abs
	}
	if s.TempDir != "" {
		if err := isDir(s.TempDir); err != nil {
			return invalid("TempDir", "%q: %w", s.TempDir, err)
		}
	}
	return nil
}

// isDir returns the error of stat, or one saying dir is not a directory.
func isDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New("not a directory")
	}
	return nil
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
