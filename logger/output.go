package logger

import (
	"io"
	"sync"
	"sync/atomic"
)

// maxPooledLine is the largest buffer kept for reuse; a line with a huge
// header should not pin its memory forever.
const maxPooledLine = 64 << 10

// lines is a pool of line buffers; pointers so Put does not allocate.
type lines struct{ pool sync.Pool }

func (p *lines) get() *[]byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 512)
	return &b
}

func (p *lines) put(b *[]byte) {
	if cap(*b) > maxPooledLine {
		return
	}
	*b = (*b)[:0]
	p.pool.Put(b)
}

// sink takes finished lines. write owns b from then on.
type sink interface {
	write(b *[]byte)
	close()
}

// counters are shared by the sinks and read by Logger.Dropped.
type counters struct {
	dropped atomic.Uint64
	failing atomic.Bool // the last write failed: report only the first of a run
}

// syncSink writes each line before the request returns. The mutex makes
// one Write per line the unit, so lines never interleave even on a writer
// that is not safe for concurrent use.
type syncSink struct {
	mu     sync.Mutex
	out    io.Writer
	closed bool
	lines  *lines
	count  *counters
	report func(error)
}

func (s *syncSink) write(b *[]byte) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.count.dropped.Add(1)
		s.lines.put(b)
		return
	}
	_, err := s.out.Write(*b)
	s.mu.Unlock()
	s.lines.put(b)
	s.report(err)
}

func (s *syncSink) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// asyncSink hands lines to one writer goroutine through a queue bounded
// in lines and in bytes; a full queue drops the line rather than hold the
// request.
type asyncSink struct {
	mu       sync.RWMutex // read-held while sending, so close cannot race a send
	closed   bool
	queue    chan *[]byte
	queued   atomic.Int64 // bytes in queue
	maxBytes int64
	done     chan struct{}
	out      io.Writer
	lines    *lines
	count    *counters
	report   func(error)
}

func newAsyncSink(out io.Writer, size int, maxBytes int64, l *lines, c *counters, report func(error)) *asyncSink {
	s := &asyncSink{queue: make(chan *[]byte, size), maxBytes: maxBytes, done: make(chan struct{}), out: out, lines: l, count: c, report: report}
	go s.run()
	return s
}

// maxBatch bounds the bytes the writer goroutine joins into one Write.
const maxBatch = 64 << 10

// run writes queued lines. When several wait, it joins them, whole lines
// only, into one Write: a slow disk then costs one system call per batch
// rather than per line, which is what keeps the queue from overflowing.
func (s *asyncSink) run() {
	defer close(s.done)
	batch := make([]byte, 0, maxBatch)
	for b := range s.queue {
		batch = append(batch[:0], *b...)
		s.dequeued(b)
	more:
		for len(batch) < maxBatch {
			select {
			case b, ok := <-s.queue:
				if !ok {
					break more
				}
				batch = append(batch, *b...)
				s.dequeued(b)
			default:
				break more
			}
		}
		_, err := s.out.Write(batch)
		s.report(err)
		if cap(batch) > 4*maxBatch { // one huge line: do not keep its memory
			batch = make([]byte, 0, maxBatch)
		}
	}
}

func (s *asyncSink) write(b *[]byte) {
	n := int64(len(*b))
	s.mu.RLock()
	if !s.closed {
		// A line longer than the bound on its own still goes in when
		// nothing else waits: memory stays bounded by that one line.
		if q := s.queued.Add(n); q <= s.maxBytes || q == n {
			select {
			case s.queue <- b:
				s.mu.RUnlock()
				return
			default:
			}
		}
		s.queued.Add(-n)
	}
	s.mu.RUnlock()
	s.count.dropped.Add(1)
	s.lines.put(b)
}

// dequeued releases a line the writer goroutine has copied out.
func (s *asyncSink) dequeued(b *[]byte) {
	s.queued.Add(-int64(len(*b)))
	s.lines.put(b)
}

// close stops accepting lines and returns once every queued line is written.
func (s *asyncSink) close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
	}
	s.mu.Unlock()
	<-s.done
}
