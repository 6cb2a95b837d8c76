package gzip

import (
	"errors"
	"testing"

	"github.com/httpmw/httpmw"
)

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		c    Config
		want string
	}{
		{Config{Level: 12}, "gzip: Config.Level: must be 1-9, got 12"},
		{Config{Level: -1}, "gzip: Config.Level: must be 1-9, got -1"},
		{Config{MinLength: -5}, "gzip: Config.MinLength: must not be negative, got -5"},
		{Config{Ext: []string{"html"}}, `gzip: Config.Ext: "html": want "*", "" or an extension such as ".html"`},
		{Config{Not: []string{"images"}}, `gzip: Config.Not: "images": must start with /`},
		{Config{Types: []string{"text"}}, `gzip: Config.Types: "text": want type/subtype, type/* or */*`},
		{Config{SkipTypes: []string{"image/p ng"}}, `gzip: Config.SkipTypes: "image/p ng": want type/subtype, type/* or */*`},
		{Config{Prefer: []string{"br"}}, `gzip: Config.Prefer: "br": want "zstd" or "gzip"`},
		{Config{Prefer: []string{"gzip", "GZIP"}}, `gzip: Config.Prefer: "GZIP" listed twice`},
		{Config{Prefer: []string{}}, "gzip: Config.Prefer: must list at least one encoding (nil means zstd, gzip)"},
		{Config{BreachPadding: MaxBreachPadding + 1}, "gzip: Config.BreachPadding: must be 0-4096, got 4097"},
	}
	for _, tt := range tests {
		mw, err := New(tt.c)
		if err == nil || mw != nil {
			t.Errorf("New(%+v) = %v, nil error", tt.c, mw)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("New(%+v) error %q, want %q", tt.c, err, tt.want)
		}
		var ce *httpmw.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("New(%+v) error %v is not an *httpmw.ConfigError", tt.c, err)
		}
	}
}

func TestZeroConfigDefaults(t *testing.T) {
	for _, list := range [][]string{defaultTypes, defaultSkipTypes} {
		if _, err := parseTypeSet(list); err != nil {
			t.Fatalf("default list does not parse: %v", err)
		}
	}
	s := Config{}.settings()
	if s.level != DefaultLevel || s.minLength != DefaultMinLength || !s.allExt || s.padding != "" {
		t.Errorf("zero Config resolved to %+v", s)
	}
	if len(s.prefer) != 2 || s.prefer[0] != encZstd || s.prefer[1] != encGzip {
		t.Errorf("prefer = %v, want zstd, gzip", s.prefer)
	}
	for ct, want := range map[string]bool{
		"text/html; charset=utf-8": true, "TEXT/CSS": true, "application/json": true,
		"application/ld+json": true, "application/atom+xml": true, "image/svg+xml": true,
		"text/event-stream": true, "application/javascript": true,
		"image/png": false, "image/jpeg": false, "video/mp4": false, "audio/ogg": false,
		"font/woff2": false, "application/zip": false, "application/gzip": false,
		"application/octet-stream": false, "": false,
	} {
		if got := s.compressibleType(ct); got != want {
			t.Errorf("compressibleType(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestTypesAndSkipTypes(t *testing.T) {
	s := Config{Types: []string{"*"}, SkipTypes: []string{"image/*", "application/*+zip"}}.settings()
	for ct, want := range map[string]bool{
		"application/octet-stream": true, "image/svg+xml": false, "application/epub+zip": false, "text/plain": true,
	} {
		if got := s.compressibleType(ct); got != want {
			t.Errorf("compressibleType(%q) = %v, want %v", ct, got, want)
		}
	}
	s = Config{Types: []string{"*/*"}, SkipTypes: []string{}}.settings()
	if !s.compressibleType("image/png") {
		t.Error(`Types "*/*" with empty SkipTypes should compress image/png`)
	}
}

func TestRouteCompressible(t *testing.T) {
	s := Config{Ext: []string{".html", ".JS", ""}, Not: []string{"/private"}}.settings()
	for p, want := range map[string]bool{
		"/index.html": true, "/app.js": true, "/API": true, "/a.png": false,
		"/private/x.html": false, "/private": false, "/privateer/x.html": true,
	} {
		if got := s.routeCompressible(p); got != want {
			t.Errorf("routeCompressible(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestStripSuffix(t *testing.T) {
	for in, want := range map[string]string{
		`"abc-gzip"`:                 `"abc"`,
		`"a-gzip", W/"b-gzip", "c"`:  `"a", W/"b-gzip", "c"`,
		`*`:                          `*`,
		`"x-zstd"`:                   `"x-zstd"`,
		`"unterminated-gzip`:         `"unterminated-gzip`,
		` "a-gzip" , "b-gzip-gzip" `: ` "a" , "b-gzip" `,
	} {
		if got := stripSuffix(in, "-gzip"); got != want {
			t.Errorf("stripSuffix(%q) = %q, want %q", in, got, want)
		}
	}
}
