package gitsync

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// newestTag picks the highest tag among the remote's refs by version order.
func newestTag(refs []*plumbing.Reference) (string, bool) {
	best, found := "", false
	for _, r := range refs {
		if !r.Name().IsTag() {
			continue
		}
		name := r.Name().Short()
		if !found || compareTags(name, best) > 0 {
			best, found = name, true
		}
	}
	return best, found
}

// version is a tag read as a version: v1.2.3, 1.2, 2.0.0-rc.1+build.
type version struct {
	nums []uint64
	pre  string // pre-release; a release (pre == "") sorts after its pre-releases
}

// parseVersion reads tags like "v1.2.3-rc.1+meta"; ok is false for anything
// else ("latest", "release-2020", "v1..2").
func parseVersion(s string) (v version, ok bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		s, v.pre = s[:i], s[i+1:]
		if v.pre == "" {
			return version{}, false
		}
	}
	if s == "" {
		return version{}, false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || strings.TrimLeft(part, "0123456789") != "" {
			return version{}, false
		}
		n, err := strconv.ParseUint(part, 10, 64)
		if err != nil {
			return version{}, false
		}
		v.nums = append(v.nums, n)
	}
	return v, true
}

// compareTags orders tag names: versions by version, after every
// non-version; non-versions, and equal versions, by name.
func compareTags(a, b string) int {
	va, oka := parseVersion(a)
	vb, okb := parseVersion(b)
	switch {
	case oka && !okb:
		return 1
	case !oka && okb:
		return -1
	case oka && okb:
		if c := compareVersions(va, vb); c != 0 {
			return c
		}
	}
	return strings.Compare(a, b)
}

func compareVersions(a, b version) int {
	for i := range max(len(a.nums), len(b.nums)) {
		var x, y uint64
		if i < len(a.nums) {
			x = a.nums[i]
		}
		if i < len(b.nums) {
			y = b.nums[i]
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1
	case b.pre == "":
		return -1
	}
	return strings.Compare(a.pre, b.pre)
}
