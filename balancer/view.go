package balancer

// view is an immutable snapshot of the hosts in rotation, with what the
// policies precompute over them. It is rebuilt only when health changes,
// so picks read it without locks.
type view struct {
	up        []*Host
	cum       []int64 // cumulative weights over up; nil when all weights are equal
	total     int64
	wrr       []int32 // one weighted round robin cycle, as indexes into up
	recoverAt int64   // pool time a passively failed host is due back; 0 if none

	// spare, only while up is empty, lists the hosts that passive checks
	// alone keep out, oldest failure first: Acquire tries them anyway.
	spare []*Host
}

func newView(up []*Host, policy Policy) *view {
	v := &view{up: up}
	equal := true
	for _, h := range up {
		if h.weight != up[0].weight {
			equal = false
			break
		}
	}
	if !equal {
		v.cum = make([]int64, len(up))
		for i, h := range up {
			v.total += h.weight
			v.cum[i] = v.total
		}
	}
	if policy == PolicyWeightedRoundRobin && len(up) > 0 {
		v.wrr = smoothCycle(up)
	}
	return v
}

// randomIndex picks an index into up in proportion to weight: O(1) when
// the weights are equal, a binary search over cumulative weights otherwise.
func (v *view) randomIndex(r uint64) int {
	if v.cum == nil {
		return int(r % uint64(len(v.up)))
	}
	x := int64(r % uint64(v.total))
	lo, hi := 0, len(v.cum)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if v.cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
