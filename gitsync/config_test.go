package gitsync

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/httpmw/httpmw"
)

func TestConfigValidation(t *testing.T) {
	ok := Config{URL: "https://example.com/r.git", Dest: "/tmp/x"}
	cases := []struct {
		name  string
		edit  func(*Config)
		field string // "" means valid
	}{
		{"minimal", func(*Config) {}, ""},
		{"no URL", func(c *Config) { c.URL = "" }, "Config.URL"},
		{"URL with newline", func(c *Config) { c.URL = "https://x/\nr" }, "Config.URL"},
		{"no Dest", func(c *Config) { c.Dest = "" }, "Config.Dest"},
		{"branch and tag", func(c *Config) { c.Branch, c.Tag = "main", "v1" }, "Config.Branch"},
		{"tag and newest", func(c *Config) { c.Tag, c.NewestTag = "v1", true }, "Config.Branch"},
		{"refspec in branch", func(c *Config) { c.Branch = "main:refs/heads/x" }, "Config.Branch"},
		{"dotdot in tag", func(c *Config) { c.Tag = "../../x" }, "Config.Tag"},
		{"option-like branch", func(c *Config) { c.Branch = "-x" }, "Config.Branch"},
		{"nested branch", func(c *Config) { c.Branch = "release/2.0" }, ""},
		{"link with slash", func(c *Config) { c.Link = "a/b" }, "Config.Link"},
		{"hidden link", func(c *Config) { c.Link = ".git" }, "Config.Link"},
		{"negative retry", func(c *Config) { c.RetryMin = -time.Second }, "Config.RetryMin"},
		{"retry max below min", func(c *Config) { c.RetryMin, c.RetryMax = time.Minute, time.Second }, "Config.RetryMax"},
		{"empty then command", func(c *Config) { c.Then = []string{""} }, "Config.Then"},
		{"negative then timeout", func(c *Config) { c.ThenTimeout = -1 }, "Config.ThenTimeout"},
		{"passphrase without key", func(c *Config) { c.Auth.SSHKeyPassphrase = "x" }, "Config.Auth.SSHKeyPassphrase"},
		{"password twice", func(c *Config) { c.Auth.Password, c.Auth.PasswordFile = "a", "/f" }, "Config.Auth.PasswordFile"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := ok
			c.edit(&cfg)
			_, err := New(cfg)
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("valid config refused: %v", err)
			case c.field != "" && (err == nil || !strings.Contains(err.Error(), "gitsync: "+c.field+":")):
				t.Fatalf("error %v, want one naming %s", err, c.field)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{URL: "https://example.com/r.git", Dest: "rel"}
	must(t, c.validate())
	c = c.withDefaults()
	if c.Depth != 1 || c.Interval != time.Hour || c.Link != "current" || c.ThenTimeout != time.Minute ||
		c.RetryMin != time.Second || c.RetryMax != 5*time.Minute || c.Logger == nil || !strings.HasPrefix(c.Dest, "/") {
		t.Fatalf("defaults = %+v", c)
	}
	c = Config{URL: "u", Dest: "/d", Depth: -1, Interval: 10 * time.Second}
	must(t, c.validate())
	c = c.withDefaults()
	if c.Depth != 0 || c.RetryMax != 10*time.Second {
		t.Fatalf("Depth -1 -> %d (want 0: full history), RetryMax %v (want Interval)", c.Depth, c.RetryMax)
	}
}

func TestStatusHandler(t *testing.T) {
	u := newUpstream(t)
	h := u.commit("main", "one", map[string]string{"index.html": "v1"})
	s := startSyncer(t, Config{URL: u.fileURL(), Interval: -1})
	srv := httptest.NewServer(httpmw.ToHTTP(s.StatusHandler()))
	defer srv.Close()

	resp, err := http.Get(srv.URL)
	must(t, err)
	defer resp.Body.Close()
	var got map[string]any
	must(t, json.NewDecoder(resp.Body).Decode(&got))
	if resp.StatusCode != 200 || got["revision"] != h || got["ref"] != "refs/heads/main" || got["last_sync"] == nil {
		t.Fatalf("%d %v", resp.StatusCode, got)
	}
	for k, v := range got {
		if str, ok := v.(string); ok && strings.Contains(str, "/tmp") {
			t.Fatalf("status shows a path in %s: %q", k, str)
		}
	}

	// A failing sync turns the health check red.
	u.run(u.bare, "symbolic-ref", "HEAD", "refs/heads/gone")
	if err := s.Sync(context.Background()); err == nil {
		t.Fatal("sync of a repository without its branch succeeded")
	}
	resp2, err := http.Get(srv.URL)
	must(t, err)
	b, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), `"last_error": "ref not found on the remote"`) {
		t.Fatalf("status after a failed sync: %d %s, want 503 naming the failure", resp2.StatusCode, b)
	}
	if strings.Contains(string(b), "/tmp") || strings.Contains(string(b), "site.git") {
		t.Fatalf("status page shows a path: %s", b)
	}
	if !strings.Contains(s.Status().LastError, "ref not found on the remote: HEAD") {
		t.Fatalf("Status().LastError lost the detail: %q", s.Status().LastError)
	}
	resp3, err := http.Post(srv.URL, "text/plain", nil)
	must(t, err)
	resp3.Body.Close()
	if resp3.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", resp3.StatusCode)
	}
}
