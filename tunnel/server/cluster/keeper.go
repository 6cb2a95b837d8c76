package cluster

import (
	"context"
	"errors"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// keep grants and renews the node's lease, claims its names again under
// a new lease when the old one was lost, and deletes released keys, until
// ctx ends. It renews every LeaseTTL/3, so a lease survives two missed
// renewals.
func (r *registry) keep(ctx context.Context) {
	tick := time.NewTicker(r.cfg.LeaseTTL / 3)
	defer tick.Stop()
	for {
		r.renew(ctx)
		r.reclaim(ctx)
		r.deleteReleased(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-r.wake:
		}
	}
}

// renew keeps the lease alive, or grants one when there is none.
func (r *registry) renew(ctx context.Context) {
	r.mu.Lock()
	lease, last, dead := r.lease, r.renewedAt, r.dead
	r.mu.Unlock()
	if dead || (lease != 0 && time.Since(last) < r.cfg.LeaseTTL/3) {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, r.cfg.StoreTimeout)
	defer cancel()
	if lease != 0 {
		_, err := r.cli.KeepAliveOnce(cctx, lease)
		if err == nil {
			r.renewed(lease)
			return
		}
		if !errors.Is(err, rpctypes.ErrLeaseNotFound) {
			if r.noteDown() {
				r.log.Warn("cluster store unreachable: lease not renewed; existing tunnels keep serving, new names are refused until it is", "err", err)
			}
			return
		}
		r.log.Warn("cluster lease expired; granting a new one and claiming this node's names again")
	}
	ttl := int64((r.cfg.LeaseTTL + time.Second - 1) / time.Second)
	g, err := r.cli.Grant(cctx, ttl)
	if err != nil {
		r.mu.Lock()
		r.lease = 0
		r.mu.Unlock()
		if r.noteDown() {
			r.log.Warn("cluster store unreachable: no lease; new names are refused until there is one", "err", err)
		}
		return
	}
	r.renewed(g.ID)
	r.log.Info("cluster lease granted", "node", r.cfg.Name, "ttl", ttl)
}

func (r *registry) renewed(lease clientv3.LeaseID) {
	r.mu.Lock()
	r.lease, r.renewedAt = lease, time.Now()
	was := r.down
	r.down = false
	r.mu.Unlock()
	if was {
		r.log.Info("cluster store reachable again")
	}
}

// noteDown records a failed renewal; true the first time, for the log.
func (r *registry) noteDown() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	was := r.down
	r.down = true
	return !was
}

// reclaim writes the names held under an older lease under the current
// one. A name another node took meanwhile is lost: its session is
// dropped, so its client reconnects and asks again.
func (r *registry) reclaim(ctx context.Context) {
	r.mu.Lock()
	lease := r.lease
	var stale []*entry
	for _, e := range r.held {
		if e.lease != lease {
			stale = append(stale, e)
		}
	}
	r.mu.Unlock()
	if lease == 0 {
		return
	}
	var lost []*entry
	for _, e := range stale {
		key := r.key(e.h.Key)
		cctx, cancel := context.WithTimeout(ctx, r.cfg.StoreTimeout)
		resp, err := r.cli.Txn(cctx).
			If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
			Then(clientv3.OpPut(key, e.val, clientv3.WithLease(lease))).
			Else(clientv3.OpGet(key)).Commit()
		if err == nil && !resp.Succeeded {
			kvs := resp.Responses[0].GetResponseRange().Kvs
			if len(kvs) == 1 && string(kvs[0].Value) == e.val {
				resp, err = r.cli.Txn(cctx).
					If(clientv3.Compare(clientv3.Value(key), "=", e.val)).
					Then(clientv3.OpPut(key, e.val, clientv3.WithLease(lease))).Commit()
			}
		}
		cancel()
		if err != nil {
			r.storeFailed(err)
			return // next round
		}
		r.mu.Lock()
		if r.held[key] == e {
			if resp.Succeeded {
				e.lease = lease
			} else {
				delete(r.held, key)
				lost = append(lost, e)
			}
		}
		r.mu.Unlock()
	}
	for _, e := range lost {
		r.log.Warn("cluster: name lost to another node while this node's lease was gone; its session ends", "url", e.h.URL)
		e.h.Drop()
	}
}

// deleteReleased deletes the keys of released names, each only if it
// still holds the value this node wrote.
func (r *registry) deleteReleased(ctx context.Context) {
	r.mu.Lock()
	todo := append([]pendingDelete(nil), r.drop...)
	r.mu.Unlock()
	for _, d := range todo {
		cctx, cancel := context.WithTimeout(ctx, r.cfg.StoreTimeout)
		_, err := r.cli.Txn(cctx).
			If(clientv3.Compare(clientv3.Value(d.key), "=", d.val)).
			Then(clientv3.OpDelete(d.key)).Commit()
		cancel()
		if err != nil {
			r.storeFailed(err)
			return // next round
		}
		r.releasing(d.key, d.val) // done: forget it
	}
}

// revoke ends the lease, which deletes every key of this node at once.
func (r *registry) revoke(timeout time.Duration) {
	r.mu.Lock()
	lease := r.lease
	r.dead, r.lease = true, 0
	r.mu.Unlock()
	if lease == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := r.cli.Revoke(ctx, lease); err != nil {
		r.log.Warn("cluster: could not revoke the lease; this node's names stay taken until it expires", "err", err, "ttl", r.cfg.LeaseTTL)
	}
}

// abandon stops every etcd write without revoking the lease, as if the
// node had died (for tests).
func (r *registry) abandon() {
	r.mu.Lock()
	r.dead = true
	r.mu.Unlock()
}
