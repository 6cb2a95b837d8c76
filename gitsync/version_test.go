package gitsync

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestNewestTag(t *testing.T) {
	refs := []*plumbing.Reference{
		plumbing.NewHashReference("refs/heads/main", plumbing.ZeroHash),
		plumbing.NewHashReference("refs/tags/latest", plumbing.ZeroHash),
		plumbing.NewHashReference("refs/tags/v1.9.2", plumbing.ZeroHash),
		plumbing.NewHashReference("refs/tags/v1.10.0-rc.1", plumbing.ZeroHash),
		plumbing.NewHashReference("refs/tags/v1.10.0", plumbing.ZeroHash),
		plumbing.NewHashReference("refs/tags/v1.2.10", plumbing.ZeroHash),
	}
	if got, ok := newestTag(refs); !ok || got != "v1.10.0" {
		t.Fatalf("newestTag = %q, %v; want v1.10.0", got, ok)
	}
	if _, ok := newestTag(refs[:1]); ok {
		t.Fatal("a branch was taken for a tag")
	}
	for _, c := range []struct{ a, b string }{
		{"v1.0.0-rc.1", "v1.0.0"}, {"v1.9", "v1.10"}, {"release-9", "v0.0.1"}, {"1.0.0-alpha", "1.0.0-beta"},
	} {
		if compareTags(c.a, c.b) >= 0 {
			t.Errorf("%s should sort before %s", c.a, c.b)
		}
	}
}
