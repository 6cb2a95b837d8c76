package fcgi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitScript(t *testing.T) {
	for _, tc := range []struct {
		path, split, script, info string
		ok                        bool
	}{
		{"/index.php", ".php", "/index.php", "", true},
		{"/index.php/a/b", ".php", "/index.php", "/a/b", true},
		{"/INDEX.PHP/a", ".php", "/INDEX.PHP", "/a", true},
		{"/a.phpx/b.php", ".php", "/a.phpx/b.php", "", true}, // ".phpx" is no split
		{"/a.php.d/b.php/c", ".php", "/a.php.d/b.php", "/c", true},
		{"/a.php.jpg", ".php", "", "", false},
		{"/evil.jpg/x.php", ".php", "/evil.jpg/x.php", "", true},
		{"/İİ/s.php/İ", ".php", "/İİ/s.php", "/İ", true},
		{"/x.\u212Aphp", ".kphp", "", "", false}, // Kelvin sign is not 'k' in ASCII
		{"/x.ſh", ".sh", "", "", false},          // long s is not 's' either
		{"/nothing", ".php", "", "", false},
		{"/x.php", "", "", "", false},
	} {
		script, info, ok := splitScript(tc.path, tc.split)
		if script != tc.script || info != tc.info || ok != tc.ok {
			t.Errorf("splitScript(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.path, tc.split, script, info, ok, tc.script, tc.info, tc.ok)
		}
	}
}

// naiveSplit is the obvious quadratic reading of the rule, to check the
// real one against.
func naiveSplit(p, split string) (string, string, bool) {
	if split == "" {
		return "", "", false
	}
	for i := 0; i+len(split) <= len(p); i++ {
		if strings.ToLower(asciiOnly(p[i:i+len(split)])) != split {
			continue
		}
		end := i + len(split)
		if end == len(p) || p[end] == '/' {
			return p[:end], p[end:], true
		}
	}
	return "", "", false
}

// asciiOnly replaces non-ASCII bytes, so strings.ToLower folds ASCII only.
func asciiOnly(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 0x80 {
			b[i] = 0
		}
	}
	return string(b)
}

func FuzzSplitScript(f *testing.F) {
	for _, s := range []string{"/index.php", "/a.PHP/b", "/İİ/s.php/İ", "/x.\u212Aphp", "/a.php.d/b.php/c", "/evil.jpg/x.php", "/.php", "//.php//"} {
		f.Add(s, ".php")
	}
	f.Add("/x.KS/y", ".ks")
	f.Add("/x.\u212As", ".ks")
	f.Fuzz(func(t *testing.T, p, split string) {
		split, err := suffixOption(split)
		if err != nil {
			return
		}
		script, info, ok := splitScript(p, split)
		ns, ni, nok := naiveSplit(p, split)
		if script != ns || info != ni || ok != nok {
			t.Fatalf("splitScript(%q, %q) = %q, %q, %v; naive %q, %q, %v", p, split, script, info, ok, ns, ni, nok)
		}
		if ok && script+info != p {
			t.Fatalf("pieces %q + %q do not make %q", script, info, p)
		}
		if ok && utf8.ValidString(p) && (!utf8.ValidString(script) || !utf8.ValidString(info)) {
			t.Fatalf("cut inside a UTF-8 sequence: %q | %q", script, info)
		}
	})
}

// FuzzRoute: whatever the path, a script that is run exists as a regular
// file under Root, and nothing panics.
func FuzzRoute(f *testing.F) {
	root := f.TempDir()
	for _, name := range []string{"index.php", "a/b.php", "uploads/evil.jpg", "İ/x.php"} {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("<?php"), 0o644)
	}
	os.WriteFile(filepath.Join(filepath.Dir(root), "outside.php"), []byte("<?php"), 0o644)
	h, err := New(Config{Root: root})
	if err != nil {
		f.Fatal(err)
	}
	defer h.Close()
	for _, s := range []string{"/", "/a/b.php/c", "/uploads/evil.jpg/x.php", "/../outside.php", "/a/../../outside.php", "/İ/x.php/İ", "/a/b.php\x00.jpg", "//a//b.php"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		tg, status, err := h.route(p)
		switch status {
		case 0, 404:
		case 400:
			if err == nil || !strings.Contains(p, "\x00") {
				t.Fatalf("400 for %q: %v", p, err)
			}
		case 200:
			if !strings.HasPrefix(tg.filename, root+string(filepath.Separator)) || !regularFile(tg.filename) {
				t.Fatalf("%q runs %q, not a file under the root", p, tg.filename)
			}
			if strings.HasPrefix(tg.filename, filepath.Join(root, "uploads")) {
				t.Fatalf("%q runs the upload %q", p, tg.filename)
			}
			if !strings.HasPrefix(tg.pathInfo, "/") && tg.pathInfo != "" {
				t.Fatalf("PATH_INFO %q", tg.pathInfo)
			}
		default:
			t.Fatalf("status %d for %q", status, p)
		}
	})
}

func regularFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}
