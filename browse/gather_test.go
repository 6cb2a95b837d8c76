package browse

import (
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortItemOrder: the abbreviated sort (sortItem, settled by two
// words, ties by the full comparison) puts entries in exactly the order
// of the full comparison, for every sort and order, with folders, equal
// sizes and times, names sharing long prefixes, digits, case and UTF-8.
func TestSortItemOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	parts := []string{"a", "B", "file-", "IMG_2024", "0", "007", "9", "10", "é", "\xff", "-", ".", "x", "long-shared-prefix-"}
	var es []entry
	seen := map[string]bool{} // names in a folder are unique
	for i := range 3000 {
		name := ""
		for range 1 + rng.IntN(6) {
			name += parts[rng.IntN(len(parts))]
		}
		name += fmt.Sprint(i % 7) // "B" and "b": one natural key, told apart by name
		if seen[name] {
			continue
		}
		seen[name] = true
		e := entry{name: name, key: string(appendNaturalKey(nil, name)), mode: 0o644}
		switch rng.IntN(4) {
		case 0:
			e.mode |= fs.ModeDir
			e.size = -1
		case 1:
			e.size = int64(rng.IntN(3)) // many ties
		default:
			e.size = rng.Int64N(math.MaxInt64)
		}
		e.mtime = []int64{math.MinInt64, -1, 0, 1, rng.Int64(), math.MaxInt64}[rng.IntN(6)]
		es = append(es, e)
	}
	for _, sort := range []string{SortName, SortSize, SortTime} {
		for _, desc := range []bool{false, true} {
			q := listQuery{sort: sort, desc: desc}
			cmp := entryCompare(q)
			want := make([]*entry, len(es))
			items := make([]sortItem, len(es))
			for i := range es {
				want[i] = &es[i]
				items[i] = sortItemOf(&es[i], q)
			}
			slices.SortFunc(want, cmp)
			// Every length, across the switch from comparison to radix.
			for _, n := range []int{0, 1, 2, radixMin - 1, radixMin, radixMin + 1, 500, len(items)} {
				sub := want[:n] // still sorted
				in := map[*entry]bool{}
				for _, e := range sub {
					in[e] = true
				}
				var got []sortItem // in folder order
				for i := range items {
					if in[items[i].e] {
						got = append(got, items[i])
					}
				}
				got = sortItems(got, make([]sortItem, len(got)), itemCompare(cmp))
				for i := range got {
					if got[i].e != sub[i] {
						t.Fatalf("sort=%s desc=%v n=%d: position %d is %q, want %q", sort, desc, n, i, got[i].e.name, sub[i].name)
					}
				}
			}
		}
	}
}

// TestCollectMergesWorkers: entries gathered by several workers come out
// as one sorted list, whole and by pages, and a scratch reused after
// release lists the same again.
func TestCollectMergesWorkers(t *testing.T) {
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
	sc := &listScratch{}
	for round := range 2 {
		for _, q := range []listQuery{{sort: SortName}, {sort: SortName, desc: true}, {sort: SortName, offset: 500, limit: 700}} {
			f, err := open(root, "/big")
			if err != nil {
				t.Fatal(err)
			}
			page, total, err := srv.collect(root, f, "/big", q, sc)
			f.Close()
			if err != nil || total != 2001 {
				t.Fatalf("round %d %+v: total %d, %v", round, q, total, err)
			}
			var names []string
			for _, e := range page {
				names = append(names, e.name)
			}
			var want []string
			if !q.desc {
				want = append(want, "sub")
			}
			for i := range 2000 {
				want = append(want, fmt.Sprintf("f%d", i))
			}
			if q.desc {
				slices.Reverse(want)
				want = append([]string{"sub"}, want...) // folders first in both orders
			}
			if q.limit > 0 {
				want = want[q.offset : q.offset+q.limit]
			}
			if !slices.Equal(names, want) {
				t.Fatalf("round %d %+v: %d names, first %q, want %d from %q", round, q, len(names), names[:min(3, len(names))], len(want), want[:3])
			}
			sc.release()
			assertReleased(t, sc)
		}
	}
}

// assertReleased checks that a released scratch holds no entry, name or
// pointer to one anywhere in its buffers, up to their capacity: a pooled
// scratch must not pin the last listing's memory.
func assertReleased(t *testing.T, sc *listScratch) {
	t.Helper()
	zero := func(what string, n int, isZero func(i int) bool) {
		for i := range n {
			if !isZero(i) {
				t.Fatalf("%s[%d] still set after release", what, i)
			}
		}
	}
	for _, g := range sc.gs {
		items, tmp, cand, heap := g.items[:cap(g.items)], g.tmp[:cap(g.tmp)], g.cand[:cap(g.cand)], g.heap[:cap(g.heap)]
		zero("items", len(items), func(i int) bool { return items[i] == sortItem{} })
		zero("tmp", len(tmp), func(i int) bool { return tmp[i] == sortItem{} })
		zero("cand", len(cand), func(i int) bool { return cand[i] == entry{} })
		zero("heap", len(heap), func(i int) bool { return heap[i] == entry{} })
		for _, slab := range g.slabs {
			slab = slab[:cap(slab)]
			zero("slab", len(slab), func(i int) bool { return slab[i] == entry{} })
		}
	}
	merged, page := sc.merged[:cap(sc.merged)], sc.page[:cap(sc.page)]
	zero("merged", len(merged), func(i int) bool { return merged[i] == sortItem{} })
	zero("page", len(page), func(i int) bool { return page[i] == nil })
}
