package cluster

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// nameTable mirrors the cluster's names from etcd (a read, then a watch
// from its revision), so that forwarding a request costs no etcd round
// trip, and neither does a request for a name nobody holds. Until the
// mirror is loaded, lookups ask etcd.
type nameTable struct {
	mu     sync.RWMutex
	synced bool
	names  map[string]value // full etcd key -> value
}

// lookup returns the holder of key; known is false when the table is not
// loaded and the caller must ask etcd.
func (t *nameTable) lookup(key string) (v value, held, known bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if !t.synced {
		return value{}, false, false
	}
	v, held = t.names[key]
	return v, held, true
}

// watch keeps the table in step with etcd until ctx ends.
func (r *registry) watch(ctx context.Context) {
	t := &r.table
	prefix := r.cfg.Prefix + "names/"
	for ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, r.cfg.StoreTimeout)
		resp, err := r.cli.Get(cctx, prefix, clientv3.WithPrefix())
		cancel()
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(r.cfg.LeaseTTL / 3):
			}
			continue
		}
		names := make(map[string]value, len(resp.Kvs))
		for _, kv := range resp.Kvs {
			var v value
			if json.Unmarshal(kv.Value, &v) == nil {
				names[string(kv.Key)] = v
			}
		}
		t.mu.Lock()
		t.names, t.synced = names, true
		t.mu.Unlock()
		wctx, wcancel := context.WithCancel(ctx)
		for wr := range r.cli.Watch(wctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(resp.Header.Revision+1)) {
			if wr.Err() != nil {
				break // compacted or cancelled: load again
			}
			t.mu.Lock()
			for _, ev := range wr.Events {
				var v value
				if ev.Type == clientv3.EventTypeDelete || json.Unmarshal(ev.Kv.Value, &v) != nil {
					delete(t.names, string(ev.Kv.Key))
				} else {
					t.names[string(ev.Kv.Key)] = v
				}
			}
			t.mu.Unlock()
		}
		wcancel()
		t.mu.Lock()
		t.synced = false
		t.mu.Unlock()
	}
}
