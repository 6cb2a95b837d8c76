package fcgi

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
)

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Root: dir, Endpoints: []string{"http://x:1"}}, "fcgi: Config.Endpoints[0]: "},
		{Config{Root: dir, Endpoints: []string{"localhost"}}, "fcgi: Config.Endpoints[0]: "},
		{Config{Root: dir, Endpoints: []string{"127.0.0.1:99999"}}, "fcgi: Config.Endpoints[0]: port must be 1-65535"},
		{Config{Root: dir, Endpoints: []string{"unix:"}}, "fcgi: Config.Endpoints[0]: unix: needs a socket path"},
		{Config{Root: dir + "/missing"}, "fcgi: Config.Root: "},
		{Config{Root: dir, Split: "php"}, `fcgi: Config.Split: must start with "."`},
		{Config{Root: dir, Ext: ".p/hp"}, "fcgi: Config.Ext: must be printable ASCII"},
		{Config{Root: dir, Split: ".phpé"}, "fcgi: Config.Split: must be printable ASCII"},
		{Config{Root: dir, Index: []string{"../x.php"}}, "fcgi: Config.Index[0]: "},
		{Config{Root: dir, Env: map[string]string{"A=B": "1"}}, "fcgi: Config.Env: "},
		{Config{Root: dir, Env: map[string]string{"A": "1\x00"}}, "fcgi: Config.Env: "},
		{Config{Root: dir, Except: []string{"static"}}, "fcgi: Config.Except[0]: "},
		{Config{Root: dir, ReadTimeout: -1}, "fcgi: Config.ReadTimeout: must not be negative"},
		{Config{Root: dir, MaxConns: -1}, "fcgi: Config.MaxConns: must not be negative"},
		{Config{Root: dir, TempDir: dir + "/missing"}, "fcgi: Config.TempDir: "},
		{Config{Root: dir, BodyTimeout: -1}, "fcgi: Config.BodyTimeout: must not be negative"},
		{Config{Root: dir, SendTimeout: -1}, "fcgi: Config.SendTimeout: must not be negative"},
		{Config{Root: dir, SpoolMemory: -1}, "fcgi: Config.SpoolMemory: must not be negative"},
		{Config{Root: dir, MaxSpool: -1}, "fcgi: Config.MaxSpool: must not be negative"},
		{Config{Root: dir, Env: map[string]string{"BIG": strings.Repeat("x", 65535)}}, `fcgi: Config.Env: "BIG": name and value exceed one FastCGI record`},
	} {
		h, err := New(tc.cfg)
		if err == nil {
			h.Close()
			t.Errorf("%+v: no error, want %q", tc.cfg, tc.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: %q, want prefix %q", tc.cfg, err, tc.want)
		}
		var ce *httpmw.ConfigError
		field, _, _ := strings.Cut(strings.TrimPrefix(tc.want, "fcgi: "), ":")
		if !errors.As(err, &ce) || ce.Package != "fcgi" || ce.Field != field {
			t.Errorf("%+v: %v is not an *httpmw.ConfigError for the field", tc.cfg, err)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	s := mustSettings(t, Config{})
	if s.Endpoints[0] != "127.0.0.1:9000" || s.ext != ".php" || s.split != ".php" || s.Index[0] != "index.php" || s.MaxConns != 5 || s.root == "" ||
		s.SpoolMemory != 16<<10 || s.MaxSpool != 64<<20 || s.BodyTimeout != 60*time.Second || s.SendTimeout != 60*time.Second {
		t.Errorf("zero Config gave %+v", s)
	}
	// Setting one matching option drops the php preset as a whole.
	s = mustSettings(t, Config{Ext: ".CGI"})
	if s.ext != ".cgi" || s.split != "" || len(s.Index) != 0 {
		t.Errorf("Ext only: ext %q split %q index %v", s.ext, s.split, s.Index)
	}
	for _, e := range []string{"127.0.0.1:9000", "tcp://localhost:9000", "unix:/run/php.sock", "unix:///run/php.sock", "/run/php.sock", "[::1]:9000", ":9000"} {
		if _, _, err := parseEndpoint(e); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
}

// mustSettings is what New does before it builds the upstreams.
func mustSettings(tb testing.TB, c Config) *settings {
	tb.Helper()
	if err := c.validate(); err != nil {
		tb.Fatal(err)
	}
	s := c.settings()
	if err := s.resolveDirs(); err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestRootStatInNew: validation does not look at the file system; New
// reports a missing Root or TempDir, naming the field and wrapping the
// stat error.
func TestRootStatInNew(t *testing.T) {
	missing := t.TempDir() + "/missing"
	for _, c := range []Config{{Root: missing}, {Root: t.TempDir(), TempDir: missing}} {
		if err := c.validate(); err != nil {
			t.Errorf("validate(%+v) = %v, want nil: it must not stat", c, err)
		}
		_, err := New(c)
		var ce *httpmw.ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("New(%+v) = %v, want a ConfigError wrapping fs.ErrNotExist", c, err)
		}
	}
	file := t.TempDir() + "/file"
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Root: file}); err == nil || err.Error() != fmt.Sprintf("fcgi: Config.Root: %q: not a directory", file) {
		t.Errorf("Root is a file: %v", err)
	}
}

func TestConfigPolicy(t *testing.T) {
	for _, eps := range [][]string{{"127.0.0.1:9000"}, {"127.0.0.1:9000", "127.0.0.1:9001"}} {
		_, err := New(Config{Root: t.TempDir(), Endpoints: eps, Policy: "fastest"})
		if err == nil || !strings.HasPrefix(err.Error(), "fcgi: Config.Policy: ") || !errors.As(err, new(*httpmw.ConfigError)) {
			t.Errorf("%d endpoints, unknown policy: %v, want an *httpmw.ConfigError naming Config.Policy", len(eps), err)
		}
	}
}
