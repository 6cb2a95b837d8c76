package browse

import (
	"path"
	"strings"
)

// hider decides which paths are hidden from both listings and direct
// access. Patterns are checked in New, so Match errors cannot happen here.
type hider struct {
	dotfiles bool     // hide names starting with "."
	segment  []string // patterns matched against each segment
	full     []string // patterns matched against the whole rooted path
}

func newHider(patterns []string, showDotfiles bool) hider {
	h := hider{dotfiles: !showDotfiles}
	for _, p := range patterns {
		if strings.Contains(p, "/") {
			h.full = append(h.full, p)
		} else {
			h.segment = append(h.segment, p)
		}
	}
	return h
}

// active reports whether anything can be hidden at all.
func (h *hider) active() bool {
	return h.dotfiles || len(h.segment) > 0 || len(h.full) > 0
}

// hidden reports whether the cleaned, rooted path p, or any folder on the
// way to it, is hidden.
func (h *hider) hidden(p string) bool {
	if p == "/" {
		return false
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if h.hiddenName(seg) {
			return true
		}
	}
	if len(h.full) == 0 {
		return false
	}
	// A hidden folder hides everything in it: try each prefix of p.
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		for _, pat := range h.full {
			if ok, _ := path.Match(pat, p[:i]); ok {
				return true
			}
		}
	}
	return false
}

// hiddenEntry reports whether the entry name in the folder dir (a cleaned,
// rooted path) is hidden; dir itself is known to be visible.
func (h *hider) hiddenEntry(dir, name string) bool {
	if h.hiddenName(name) {
		return true
	}
	if len(h.full) == 0 {
		return false
	}
	full := path.Join(dir, name)
	for _, pat := range h.full {
		if ok, _ := path.Match(pat, full); ok {
			return true
		}
	}
	return false
}

func (h *hider) hiddenName(name string) bool {
	if h.dotfiles && strings.HasPrefix(name, ".") && name != ".well-known" {
		return true
	}
	for _, pat := range h.segment {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}
