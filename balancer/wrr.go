package balancer

import "container/heap"

// smoothCycle lays out one cycle of weighted round robin: each host appears
// weight/g times (g the weights' gcd), spread evenly. Host i of n takes its
// k-th turn at virtual time (k + (i+1)/(n+1)) / weight, and turns are taken in
// order of that time: each host's turns are evenly spaced through the cycle,
// and the phase keeps hosts from all falling due at once. This interleaves
// heavy and light hosts as nginx's smooth weighted round robin does, but
// lets a pick be one array read instead of a scan over the hosts.
// Building the cycle costs O(W log n) for a cycle of W picks, once per
// change of health.
func smoothCycle(up []*Host) []int32 {
	g := up[0].weight
	for _, h := range up[1:] {
		g = gcd(g, h.weight)
	}
	q := make(turnQueue, len(up))
	var total int64
	for i, h := range up {
		w := h.weight / g
		q[i] = turn{host: int32(i), weight: w, phase: int64(i) + 1, span: int64(len(up)) + 1}
		total += w
	}
	heap.Init(&q)
	cycle := make([]int32, 0, total)
	for int64(len(cycle)) < total {
		t := &q[0]
		cycle = append(cycle, t.host)
		t.taken++
		heap.Fix(&q, 0)
	}
	return cycle
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// turn is a host's place in the cycle being built.
type turn struct {
	host   int32
	weight int64
	taken  int64
	phase  int64 // the phase is phase/span of a turn
	span   int64
}

// turnQueue orders turns by due time (taken·span+phase)/(span·weight), then
// by host. All turns share span, so it cancels out of the comparison.
type turnQueue []turn

func (q turnQueue) Len() int { return len(q) }
func (q turnQueue) Less(i, j int) bool {
	a, b := q[i], q[j]
	da, db := (a.taken*a.span+a.phase)*b.weight, (b.taken*b.span+b.phase)*a.weight
	if da != db {
		return da < db
	}
	return a.host < b.host
}
func (q turnQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *turnQueue) Push(x any)   { *q = append(*q, x.(turn)) }
func (q *turnQueue) Pop() any {
	old := *q
	t := old[len(old)-1]
	*q = old[:len(old)-1]
	return t
}
