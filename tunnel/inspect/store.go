package inspect

import (
	"sync"
)

// store keeps exchanges in arrival order, bounded by count and bytes, and
// wakes the live streams when one is added.
type store struct {
	maxEntries int
	maxBytes   int64

	mu      sync.Mutex
	nextID  uint64
	seq     uint64      // counts adds; live streams follow it, since IDs finish out of order
	entries []*Exchange // oldest first; a slice used as a queue
	bytes   int64
	waiters map[chan struct{}]struct{}
}

func newStore(maxEntries int, maxBytes int64) *store {
	return &store{maxEntries: maxEntries, maxBytes: maxBytes, waiters: map[chan struct{}]struct{}{}}
}

// newID reserves an ID, so an exchange's ID follows the arrival of its
// request, not the end of its response.
func (s *store) newID() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return s.nextID
}

// add keeps e, evicting the oldest exchanges until both bounds hold. An
// exchange bigger than MaxBytes by itself loses its bodies first.
func (s *store) add(e *Exchange) {
	e.size = e.footprint()
	if e.size > s.maxBytes {
		e.Request.Body.Body, e.Request.Truncated = nil, e.Request.BodySize > 0
		e.Response.Body.Body, e.Response.Truncated = nil, e.Response.BodySize > 0
		e.size = e.footprint()
		if e.size > s.maxBytes {
			return // headers alone are over the bound: not kept
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	e.seq = s.seq
	// Keep ID order in the slice even when responses finish out of order.
	i := len(s.entries)
	for i > 0 && s.entries[i-1].ID > e.ID {
		i--
	}
	s.entries = append(s.entries, nil)
	copy(s.entries[i+1:], s.entries[i:])
	s.entries[i] = e
	s.bytes += e.size
	drop := 0
	for len(s.entries)-drop > s.maxEntries || s.bytes > s.maxBytes {
		s.bytes -= s.entries[drop].size
		s.entries[drop] = nil
		drop++
	}
	if drop > 0 {
		// Copy down rather than reslice, so the array does not grow forever.
		n := copy(s.entries, s.entries[drop:])
		clear(s.entries[n:])
		s.entries = s.entries[:n]
	}
	for w := range s.waiters {
		select {
		case w <- struct{}{}:
		default: // already signalled; the stream will see every new entry
		}
	}
}

// get returns the exchange with id, or nil.
func (s *store) get(id uint64) *Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.entries {
		if e.ID == id {
			return e
		}
	}
	return nil
}

// since returns the kept exchanges added after add number seq, in ID
// order, and the number of the last add.
func (s *store) since(seq uint64) ([]*Exchange, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Exchange
	for _, e := range s.entries {
		if e.seq > seq {
			out = append(out, e)
		}
	}
	return out, s.seq
}

// all returns the kept exchanges, oldest first.
func (s *store) all() []*Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Exchange(nil), s.entries...)
}

// stats returns the count and accounted bytes kept.
func (s *store) stats() (int, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries), s.bytes
}

// watch returns a channel that receives a value after add; cancel stops it.
func (s *store) watch() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	s.mu.Lock()
	s.waiters[c] = struct{}{}
	s.mu.Unlock()
	return c, func() {
		s.mu.Lock()
		delete(s.waiters, c)
		s.mu.Unlock()
	}
}
