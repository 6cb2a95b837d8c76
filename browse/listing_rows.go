package browse

import "sync"

// rowBlock is how many rows of a large HTML listing go in one block: the
// blocks are rendered by two goroutines and written in order.
const rowBlock = 256

// writeRows writes the table's rows. A listing of a few blocks or more is
// rendered by two goroutines, this one taking the even blocks and a
// helper the odd ones, and this one writes every block in order: after
// the stats, formatting rows is the largest part of a big listing. At
// most two of the helper's blocks exist at a time.
func (l *listing) writeRows(c *chunkWriter) {
	var dc dateCache
	n := len(l.entries)
	if n < 3*rowBlock || readWorkers() < 2 || c.newBuf == nil {
		for _, e := range l.entries {
			c.buf = appendRow(c.buf, e, &dc)
			c.spill()
		}
		return
	}
	blocks := (n + rowBlock - 1) / rowBlock
	rows := func(k int) []*entry { return l.entries[k*rowBlock : min((k+1)*rowBlock, n)] }
	done := make(chan []byte, 1) // the helper's blocks, in order
	free := make(chan []byte, 2) // buffers for the helper
	free <- c.newBuf()
	free <- c.newBuf()
	stop := make(chan struct{}) // closed when this goroutine writes no more
	var wg sync.WaitGroup
	wg.Go(func() {
		var dc dateCache
		for k := 1; k < blocks; k += 2 {
			var b []byte
			select {
			case b = <-free:
			case <-stop:
				return
			}
			for _, e := range rows(k) {
				b = appendRow(b, e, &dc)
			}
			select {
			case done <- b:
			case <-stop:
				return
			}
		}
	})
	for k := 0; k < blocks && c.err == nil; k += 2 {
		for _, e := range rows(k) {
			c.buf = appendRow(c.buf, e, &dc)
			c.spill()
		}
		if k+1 < blocks {
			b := <-done
			c.flush()
			if c.err == nil {
				_, c.err = c.w.Write(b)
			}
			free <- b[:0]
		}
	}
	close(stop)
	wg.Wait()
	for {
		select {
		case b := <-free:
			c.putBuf(b)
		case b := <-done:
			c.putBuf(b)
		default:
			return
		}
	}
}
