package cluster

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/httpmw/httpmw/tunnel/server"
)

// nameTable mirrors the cluster's names from etcd (a read, then a watch
// from its revision), so that forwarding a request costs no etcd round
// trip, and neither does a request for a name nobody holds. Until the
// mirror is loaded, lookups ask etcd.
type nameTable struct {
	mu     sync.RWMutex
	synced bool
	names  map[string]value // full etcd key -> value
	// gone keeps names deleted within goneWindow, for PreviousName: a
	// client back after its node died finds its random name there once
	// the dead node's lease has ended.
	gone map[string]goneName
	// ch gets a token when the names change (tcpforward.go).
	ch chan struct{}
}

// changed is signalled after the names change.
func (t *nameTable) changed() <-chan struct{} { return t.ch }

func (t *nameTable) signal() {
	select {
	case t.ch <- struct{}{}:
	default:
	}
}

type goneName struct {
	v  value
	at time.Time
}

// goneWindow is how long a deleted name is remembered; maxGone bounds
// how many.
const (
	goneWindow = 5 * time.Minute
	maxGone    = 10000
)

// forget records a deleted name; t.mu is held.
func (t *nameTable) forget(key string, v value, now time.Time) {
	if t.gone == nil {
		t.gone = map[string]goneName{}
	}
	if len(t.gone) >= maxGone {
		for k, g := range t.gone {
			if now.Sub(g.at) > goneWindow || len(t.gone) >= maxGone {
				delete(t.gone, k)
			}
		}
	}
	t.gone[key] = goneName{v, now}
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
		t.signal()
		wctx, wcancel := context.WithCancel(ctx)
		for wr := range r.cli.Watch(wctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(resp.Header.Revision+1)) {
			if wr.Err() != nil {
				break // compacted or cancelled: load again
			}
			now := time.Now()
			t.mu.Lock()
			for _, ev := range wr.Events {
				key := string(ev.Kv.Key)
				var v value
				if ev.Type == clientv3.EventTypeDelete || json.Unmarshal(ev.Kv.Value, &v) != nil {
					if old, ok := t.names[key]; ok {
						t.forget(key, old, now)
					}
					delete(t.names, key)
				} else {
					t.names[key] = v
				}
			}
			t.mu.Unlock()
			t.signal()
		}
		wcancel()
		t.mu.Lock()
		t.synced = false
		t.mu.Unlock()
	}
}

// PreviousName implements server.Registry from the mirrored names: the
// random name under Domain that the client's previous session holds for
// the protocol h.Key, if the table is loaded.
func (r *registry) PreviousName(h server.Holding) string {
	if h.Previous == "" {
		return ""
	}
	prev := sessionHash(h.Previous)
	prefix := r.cfg.Prefix + "names/" + h.Key + "/"
	suffix := "." + r.cfg.Server.Domain
	t := &r.table
	t.mu.RLock()
	defer t.mu.RUnlock()
	match := func(k string, v value) (string, bool) {
		if v.Session != prev || v.Owner != h.Owner || !strings.HasPrefix(k, prefix) {
			return "", false
		}
		return strings.CutSuffix(reverseLabels(k[len(prefix):]), suffix)
	}
	for k, v := range t.names {
		if name, ok := match(k, v); ok {
			return name
		}
	}
	for k, g := range t.gone {
		if name, ok := match(k, g.v); ok && time.Since(g.at) < goneWindow {
			return name
		}
	}
	return ""
}
