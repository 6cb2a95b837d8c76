package browse

import (
	"os"
	"slices"
	"sync"
)

// gatherer builds and keeps the entries of the batches one readDir worker
// hands it; collect has one per worker, so none needs a lock.
type gatherer struct {
	s    *Server
	root *os.Root
	dir  string
	q    listQuery
	keep int // 0: keep all, in items; else heap keeps the keep entries that sort first
	cmp  func(a, b *entry) int

	items []sortItem // without a limit: every entry kept, in slabs
	slabs [][]entry  // where the entries of items live
	slab  int        // the slab being filled
	tmp   []sortItem // sort space for items
	heap  []entry    // with a limit: a max-heap, see pushBounded
	total int        // visible entries seen

	// Reused per batch.
	text []byte  // the batch's names and keys, before they become one string
	ends []int   // per entry: where its name and its key end in text
	cand []entry // the batch's visible entries
}

// add turns a batch into entries. The names and natural keys of a batch
// are copied into one string and its entries into reused slabs, so an
// entry costs no allocation of its own. With a limit, only the entries
// that make it into the heap get strings of their own (any one of them
// would pin its batch's string).
func (g *gatherer) add(batch []dirent) {
	g.text, g.ends, g.cand = g.text[:0], g.ends[:0], g.cand[:0]
	for i := range batch {
		d := &batch[i]
		e, ok := g.s.entryOf(g.root, g.dir, d)
		if !ok {
			continue
		}
		g.text = append(g.text, d.name...)
		nameEnd := len(g.text)
		g.text = appendNaturalKey(g.text, d.name)
		if string(g.text[nameEnd:]) == d.name {
			g.text = g.text[:nameEnd] // lower case without digits: the name is its own key
		}
		g.ends = append(g.ends, nameEnd, len(g.text))
		g.cand = append(g.cand, e)
	}
	if len(g.cand) == 0 {
		return
	}
	g.total += len(g.cand)
	text := string(g.text)
	from := 0
	for i := range g.cand {
		e := &g.cand[i]
		nameEnd, keyEnd := g.ends[2*i], g.ends[2*i+1]
		e.name, e.key = text[from:nameEnd], text[nameEnd:keyEnd]
		if keyEnd == nameEnd {
			e.key = e.name
		}
		from = keyEnd
	}
	if g.keep > 0 {
		for i := range g.cand {
			g.heap = pushBounded(g.heap, &g.cand[i], g.keep, g.cmp)
		}
		return
	}
	for i := range g.cand {
		g.items = append(g.items, sortItemOf(g.newEntry(&g.cand[i]), g.q))
	}
}

// slabSize is how many entries a slab holds.
const slabSize = 512

// newEntry copies e into a slab, where it stays put until release.
func (g *gatherer) newEntry(e *entry) *entry {
	if g.slab == len(g.slabs) {
		g.slabs = append(g.slabs, make([]entry, 0, slabSize))
	}
	s := append(g.slabs[g.slab], *e)
	g.slabs[g.slab] = s
	if len(s) == cap(s) {
		g.slab++
	}
	return &s[len(s)-1]
}

// sortGathered sorts each gatherer's entries (on a goroutine of its own
// when there are enough to be worth one) and merges them into one list.
func (sc *listScratch) sortGathered(gs []*gatherer, q listQuery, cmp func(a, b *entry) int) []sortItem {
	icmp := itemCompare(cmp)
	runs := make([][]sortItem, len(gs))
	sortRun := func(i int) {
		g := gs[i]
		if g.keep > 0 {
			for j := range g.heap {
				g.items = append(g.items, sortItemOf(&g.heap[j], q))
			}
		}
		g.tmp = slices.Grow(g.tmp[:0], len(g.items))
		runs[i] = sortItems(g.items, g.tmp[:len(g.items)], icmp)
	}
	var wg sync.WaitGroup
	for i := range gs {
		if i > 0 && len(gs[i].items) >= parallelSortMin {
			wg.Go(func() { sortRun(i) })
		} else {
			sortRun(i)
		}
	}
	wg.Wait()
	// Merge pairwise until one run is left; with two workers (the
	// common case) that is one merge, into a reused buffer.
	for len(runs) > 1 {
		var next [][]sortItem
		for i := 0; i < len(runs); i += 2 {
			switch {
			case i+1 == len(runs):
				next = append(next, runs[i])
			case len(runs) == 2:
				sc.merged = mergeRuns(sc.merged[:0], runs[0], runs[1], icmp)
				next = append(next, sc.merged)
			default:
				next = append(next, mergeRuns(nil, runs[i], runs[i+1], icmp))
			}
		}
		runs = next
	}
	return runs[0]
}

// listScratch is the memory one listing reuses from an earlier one:
// buffers, slabs and sort space, kept by Server.scratch. Nothing in it is
// read after release, which clears every pointer it holds.
type listScratch struct {
	read   readScratch
	gs     []*gatherer
	merged []sortItem
	page   []*entry
}

// maxPooledEntries bounds the entries' memory a pooled listScratch keeps
// (slabs, sort space): a 100,000-entry listing should not pin its size
// in every pooled scratch.
const maxPooledEntries = 32 << 10

func (s *Server) getScratch() *listScratch {
	if sc, ok := s.scratch.Get().(*listScratch); ok {
		return sc
	}
	return &listScratch{}
}

func (s *Server) putScratch(sc *listScratch) {
	sc.release()
	s.scratch.Put(sc)
}

// gatherers returns n gatherers, reset.
func (sc *listScratch) gatherers(n int) []*gatherer {
	for len(sc.gs) < n {
		sc.gs = append(sc.gs, &gatherer{})
	}
	return sc.gs[:n]
}

// release drops every reference to entries and names, and the buffers
// grown too large to keep.
func (sc *listScratch) release() {
	for _, g := range sc.gs {
		g.release()
	}
	sc.merged = releaseSlice(sc.merged)
	sc.page = releaseSlice(sc.page)
}

func (g *gatherer) release() {
	g.s, g.root, g.cmp = nil, nil, nil
	g.items = releaseSlice(g.items)
	g.tmp = releaseSlice(g.tmp)
	g.heap = releaseSlice(g.heap)
	g.cand = releaseSlice(g.cand)
	for i := range g.slabs[:min(g.slab+1, len(g.slabs))] {
		g.slabs[i] = releaseSlice(g.slabs[i])
	}
	g.slabs = g.slabs[:min(len(g.slabs), maxPooledEntries/slabSize)]
	g.slab, g.total = 0, 0
}

// releaseSlice clears s up to its capacity (sort space and batches are
// written past their current length) and returns it empty, or nil when it
// grew past maxPooledEntries.
func releaseSlice[T any](s []T) []T {
	if cap(s) > maxPooledEntries {
		return nil
	}
	s = s[:cap(s)]
	clear(s)
	return s[:0]
}
