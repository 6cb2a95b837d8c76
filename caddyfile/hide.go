package caddyfile

import (
	"os"
	"path/filepath"
	"strings"
)

// ownFiles are browse Hide patterns for the site's own files that lie
// inside the folder it serves: the Caddyfile (it can hold webhook secrets;
// Caddy 0.8 and later hide it too) and the access logs, with their
// logrotate copies (access.log.1, access.log.2.gz). A file outside the
// root needs no pattern. Both the paths as written and with symlinks
// resolved are compared, so "root ." and "root /srv/site" behave alike.
func ownFiles(root, conf string, logs []string) []string {
	roots := variants(root)
	var patterns []string
	seen := map[string]bool{}
	add := func(file string, rotated bool) {
		for _, f := range variants(file) {
			for _, r := range roots {
				rel, err := filepath.Rel(r, f)
				if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					continue
				}
				p := "/" + globEscape(filepath.ToSlash(rel))
				qs := []string{p}
				if rotated {
					qs = append(qs, p+".*")
				}
				for _, q := range qs {
					if !seen[q] {
						seen[q] = true
						patterns = append(patterns, q)
					}
				}
			}
		}
	}
	if conf != "" {
		if fi, err := os.Stat(conf); err == nil && fi.Mode().IsRegular() {
			add(conf, false)
		}
	}
	for _, l := range logs {
		if l != "stdout" && l != "stderr" {
			add(l, true)
		}
	}
	return patterns
}

// variants is path made absolute, and also with its symlinks resolved when
// that differs. A missing file is resolved through its folder.
func variants(path string) []string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	out := []string{abs}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		dir, derr := filepath.EvalSymlinks(filepath.Dir(abs))
		if derr != nil {
			return out
		}
		real = filepath.Join(dir, filepath.Base(abs))
	}
	if real != abs {
		out = append(out, real)
	}
	return out
}

// globEscape quotes path.Match's special characters.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
