package inspect

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Under concurrent load through a real server, the ring never holds more
// than MaxEntries exchanges or MaxBytes bytes, the byte count it keeps is
// the true footprint of what it holds, and its queue does not grow.
func TestBoundsHoldUnderConcurrentLoad(t *testing.T) {
	const (
		maxEntries = 40
		maxBytes   = 64 << 10
		maxBody    = 4 << 10
		workers    = 8
		perWorker  = 150
	)
	s := newSite(t, Config{MaxEntries: maxEntries, MaxBytes: maxBytes, MaxBodyBytes: maxBody})

	// A watcher checks the bounds after every add, while the load runs.
	ctx, cancel := context.WithCancel(context.Background())
	wake, stop := s.in.store.watch()
	defer stop()
	var violations []string
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-wake:
				if n, b := s.in.Usage(); n > maxEntries || b > maxBytes {
					violations = append(violations, fmt.Sprintf("%d entries, %d bytes", n, b))
				}
			case <-ctx.Done():
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				// Bodies from empty to well past the capture limit.
				body := strings.Repeat("x", (w*perWorker+i)*37%(3*maxBody))
				req, _ := http.NewRequest("POST", s.app.URL+fmt.Sprintf("/w%d/%d", w, i), strings.NewReader(body))
				req.Header.Set("X-Filler", strings.Repeat("h", i%200))
				res, err := s.c.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
			}
		}()
	}
	wg.Wait()
	cancel()
	<-watched
	for _, v := range violations {
		t.Errorf("bound exceeded during load: %s", v)
	}

	n, b := s.in.Usage()
	if n == 0 || n > maxEntries || b > maxBytes {
		t.Errorf("after load: %d entries, %d bytes; bounds %d, %d", n, b, maxEntries, maxBytes)
	}
	var sum int64
	s.in.store.mu.Lock()
	for _, e := range s.in.store.entries {
		sum += e.footprint()
		if len(e.Request.Body.Body) > maxBody || len(e.Response.Body.Body) > maxBody {
			t.Errorf("exchange %d keeps %d and %d body bytes, over %d", e.ID, len(e.Request.Body.Body), len(e.Response.Body.Body), maxBody)
		}
	}
	queueCap := cap(s.in.store.entries)
	s.in.store.mu.Unlock()
	if sum != b {
		t.Errorf("accounted %d bytes, the kept exchanges hold %d", b, sum)
	}
	if queueCap > 2*maxEntries+1 {
		t.Errorf("the queue's array grew to %d slots for %d entries", queueCap, maxEntries)
	}
	// The newest exchanges are the ones kept.
	all := s.in.Exchanges()
	if last := all[len(all)-1].ID; last < workers*perWorker-workers {
		t.Errorf("newest kept exchange is %d of %d", last, workers*perWorker)
	}
}

// One exchange bigger than MaxBytes by itself keeps its headers only.
func TestOversizedExchangeDropsBodies(t *testing.T) {
	st := newStore(10, 2000)
	e := &Exchange{ID: st.newID()}
	e.Request.Body = Body{Body: make([]byte, 1500), BodySize: 1500}
	e.Response.Body = Body{Body: make([]byte, 1500), BodySize: 1500}
	st.add(e)
	n, b := st.stats()
	if n != 1 || b > 2000 || e.Request.Body.Body != nil || !e.Request.Truncated || !e.Response.Truncated {
		t.Errorf("%d entries, %d bytes, request body %d truncated %v", n, b, len(e.Request.Body.Body), e.Request.Truncated)
	}
}
