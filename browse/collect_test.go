package browse

import (
	"fmt"
	"slices"
	"testing"
)

// TestCollectOrder: collect returns the entries in order, folders first
// in both orders, whole and by pages, read over several ReadDir batches.
func TestCollectOrder(t *testing.T) {
	s := newSite(t, Config{Listing: true}, func(root string) {
		for i := range 2000 {
			writeFile(t, root, fmt.Sprintf("big/f%d", i), "")
		}
		writeFile(t, root, "big/sub/x", "")
	})
	srv, err := New(Config{Root: s.root})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	root := srv.cur.Load().root
	for _, q := range []listQuery{{sort: SortName}, {sort: SortName, desc: true}, {sort: SortName, offset: 500, limit: 700}, {sort: SortName, desc: true, offset: 1990, limit: 700}} {
		f, err := open(root, "/big")
		if err != nil {
			t.Fatal(err)
		}
		page, total, err := srv.collect(root, f, "/big", q)
		f.Close()
		if err != nil || total != 2001 {
			t.Fatalf("%+v: total %d, %v", q, total, err)
		}
		var names []string
		for _, e := range page {
			names = append(names, e.name)
		}
		var want []string
		for i := range 2000 {
			want = append(want, fmt.Sprintf("f%d", i))
		}
		if q.desc {
			slices.Reverse(want)
		}
		want = append([]string{"sub"}, want...) // folders first in both orders
		if q.limit > 0 {
			want = want[q.offset:min(q.offset+q.limit, len(want))]
		}
		if !slices.Equal(names, want) {
			t.Fatalf("%+v: %d names, first %q, want %d from %q", q, len(names), names[:min(3, len(names))], len(want), want[:3])
		}
	}
}
