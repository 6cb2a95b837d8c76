package balancer

import (
	"container/heap"
	"sync"
)

// leastConn keeps the hosts in rotation in a min-heap by load (connections
// per unit of weight), so a pick and a release are O(log n). Among equally
// loaded hosts the one picked longest ago comes first, which makes serial
// traffic rotate instead of sticking to one host.
type leastConn struct {
	mu    sync.Mutex
	h     loadHeap
	picks uint64
}

func (lc *leastConn) acquire(avoid []*Host) *Host {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if len(lc.h) == 0 {
		return nil
	}
	best := lc.h[0]
	if !eligible(best, avoid) {
		// The least loaded host is full or already tried: fall back to a
		// scan, which only happens under MaxConns pressure or on retries.
		best = nil
		for _, h := range lc.h {
			if eligible(h, avoid) && (best == nil || lessLoaded(h, best)) {
				best = h
			}
		}
		if best == nil {
			return nil
		}
	}
	best.conns.Add(1)
	lc.picks++
	best.lastPick = lc.picks
	heap.Fix(&lc.h, best.heapIdx)
	return best
}

func eligible(h *Host, avoid []*Host) bool {
	for _, a := range avoid {
		if a == h {
			return false
		}
	}
	return h.maxConns == 0 || h.conns.Load() < h.maxConns
}

func (lc *leastConn) release(h *Host) {
	lc.mu.Lock()
	h.conns.Add(-1)
	if h.heapIdx >= 0 {
		heap.Fix(&lc.h, h.heapIdx)
	}
	lc.mu.Unlock()
}

// reset replaces the heap's hosts with up, after a change of health.
func (lc *leastConn) reset(up []*Host) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for _, h := range lc.h {
		h.heapIdx = -1
	}
	lc.h = append(lc.h[:0:0], up...)
	for i, h := range lc.h {
		h.heapIdx = i
	}
	heap.Init(&lc.h)
}

// lessLoaded compares conns/weight without dividing.
func lessLoaded(a, b *Host) bool {
	la, lb := a.conns.Load()*b.weight, b.conns.Load()*a.weight
	if la != lb {
		return la < lb
	}
	return a.lastPick < b.lastPick
}

type loadHeap []*Host

func (q loadHeap) Len() int           { return len(q) }
func (q loadHeap) Less(i, j int) bool { return lessLoaded(q[i], q[j]) }
func (q loadHeap) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].heapIdx, q[j].heapIdx = i, j
}
func (q *loadHeap) Push(x any) { *q = append(*q, x.(*Host)) }
func (q *loadHeap) Pop() any {
	old := *q
	h := old[len(old)-1]
	*q = old[:len(old)-1]
	return h
}
