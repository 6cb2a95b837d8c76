package urlpath

import (
	"path"
	"strings"
	"testing"
)

// reference is Clean written the plain way.
func reference(p string) string {
	c := path.Clean("/" + p)
	if c != "/" && strings.HasSuffix(p, "/") {
		c += "/"
	}
	return c
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/": "/", "a": "/a", "a/../b/": "/b/", "/../x": "/x", "/docs/": "/docs/",
		"//a//b": "/a/b", "/a/./b/.": "/a/b", "/a/..": "/", "/a/../": "/", "/.../": "/.../",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanAllocatesNothingWhenClean(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { Clean("/blog/2024/post/") }); n != 0 {
		t.Fatalf("%v allocations for a clean path", n)
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "/", "a/../b/", "/../x", "//", "/./", "/a/...", "\x00/..//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if got, want := Clean(p), reference(p); got != want {
			t.Fatalf("Clean(%q) = %q, want %q", p, got, want)
		}
	})
}
