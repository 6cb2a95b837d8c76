package cluster

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/httpmw/httpmw/tunnel/server"
)

// registry is server.Registry over etcd. Each name (and TCP port) a node
// holds is a key under Prefix+"names/", created only if absent, attached
// to the node's lease: a node that dies stops renewing it and etcd
// deletes its keys after LeaseTTL.
type registry struct {
	cfg Config
	cli *clientv3.Client
	log *slog.Logger
	fwd *forwarder
	// table mirrors every node's names, for forwarding (watch.go).
	table nameTable

	mu        sync.Mutex
	lease     clientv3.LeaseID // 0: none (not granted yet, or lost)
	renewedAt time.Time        // last successful grant or renewal
	held      map[string]*entry
	drop      []pendingDelete // released keys to delete from etcd
	dead      bool            // abandoned: no more etcd writes (tests' kill)
	down      bool            // the last renewal failed (for logs)
	wake      chan struct{}
}

// entry is one key this node holds.
type entry struct {
	h     server.Holding
	val   string
	lease clientv3.LeaseID // the lease it was written under
}

type pendingDelete struct{ key, val string }

// value is what a name's key holds.
type value struct {
	Node    string `json:"node"`
	Addr    string `json:"addr"` // the holder's Advertise
	Account string `json:"account"`
	Owner   string `json:"owner"`   // tells owners apart (server.Holding.Owner)
	Session string `json:"session"` // hash of the holding session's client id
	Nonce   string `json:"nonce"`   // tells two claims of one session apart
}

func sessionHash(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:12])
}

func newRegistry(cfg Config, cli *clientv3.Client, log *slog.Logger) *registry {
	r := &registry{cfg: cfg, cli: cli, log: log, held: map[string]*entry{}, wake: make(chan struct{}, 1)}
	r.table.ch = make(chan struct{}, 1)
	return r
}

// up reports whether new names may be claimed: the lease was renewed
// within its TTL, so etcd is reachable and the lease alive.
func (r *registry) up() (clientv3.LeaseID, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lease, r.lease != 0 && !r.dead && time.Since(r.renewedAt) < r.cfg.LeaseTTL
}

func unavailable(h server.Holding) error {
	return fmt.Errorf("the tunnel %s could not be claimed: %w", h.URL, server.ErrStoreUnavailable)
}

// Claim implements server.Registry.
func (r *registry) Claim(ctx context.Context, h server.Holding) error {
	lease, ok := r.up()
	if !ok {
		return unavailable(h)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.StoreTimeout)
	defer cancel()
	key := r.key(h.Key)
	v := value{Node: r.cfg.Name, Addr: r.cfg.Advertise, Account: h.Account, Owner: h.Owner, Session: sessionHash(h.Session), Nonce: nonce()}
	raw, _ := json.Marshal(v)
	val := string(raw)
	var resp *clientv3.TxnResponse
	for try := 0; ; try++ {
		guard, err := r.treeGuard(ctx, h)
		if err != nil {
			var ref refusal
			if errors.As(err, &ref) {
				return err
			}
			r.storeFailed(err)
			return unavailable(h)
		}
		resp, err = r.cli.Txn(ctx).
			If(append(guard, clientv3.Compare(clientv3.CreateRevision(key), "=", 0))...).
			Then(clientv3.OpPut(key, val, clientv3.WithLease(lease))).
			Else(clientv3.OpGet(key)).Commit()
		if err != nil {
			r.storeFailed(err)
			return unavailable(h)
		}
		if resp.Succeeded || len(resp.Responses[0].GetResponseRange().Kvs) > 0 {
			break
		}
		// The names around it changed meanwhile: look again.
		if try == 2 {
			return fmt.Errorf("the names around %s keep changing; try again", h.URL)
		}
	}
	if !resp.Succeeded {
		kvs := resp.Responses[0].GetResponseRange().Kvs
		cur := string(kvs[0].Value)
		var other value
		json.Unmarshal(kvs[0].Value, &other)
		switch {
		case r.mine(other) && r.releasing(key, cur):
			// Our own key, released but not yet deleted: take it over.
			if err := r.takeOver(ctx, key, cur, val, lease); err != nil {
				return err
			}
		case h.Previous != "" && other.Session == sessionHash(h.Previous) && other.Owner == h.Owner:
			return fmt.Errorf("the tunnel %s is %w (node %s)", h.URL, server.ErrHeldByPrevious, other.Node)
		default:
			// The original ngrokd's text, as tunnel/server's own.
			return refusal(fmt.Sprintf("The tunnel %s is already registered.", h.URL))
		}
	}
	r.mu.Lock()
	r.held[key] = &entry{h: h, val: val, lease: lease}
	r.mu.Unlock()
	return nil
}

// releasing reports whether key is queued for deletion with value val,
// and if so forgets the deletion.
func (r *registry) releasing(key, val string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, d := range r.drop {
		if d.key == key && d.val == val {
			r.drop = append(r.drop[:i], r.drop[i+1:]...)
			return true
		}
	}
	return false
}

func (r *registry) takeOver(ctx context.Context, key, cur, val string, lease clientv3.LeaseID) error {
	resp, err := r.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.Value(key), "=", cur)).
		Then(clientv3.OpPut(key, val, clientv3.WithLease(lease))).Commit()
	if err != nil {
		r.storeFailed(err)
		return fmt.Errorf("the name could not be claimed: %w", server.ErrStoreUnavailable)
	}
	if !resp.Succeeded {
		return errors.New("the name changed hands meanwhile; try again")
	}
	return nil
}

// Release implements server.Registry: it queues the deletion, which the
// keeper does (conditional on the value, so a later claim survives it).
func (r *registry) Release(h server.Holding) {
	key := r.key(h.Key)
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.held[key]
	if e == nil || e.h.Session != h.Session {
		return
	}
	delete(r.held, key)
	if !r.dead {
		r.drop = append(r.drop, pendingDelete{key, e.val})
		r.poke()
	}
}

func (r *registry) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// storeFailed notes a failed etcd request; a lost lease is granted anew
// by the keeper.
func (r *registry) storeFailed(err error) {
	r.log.Warn("cluster store request failed", "err", err)
	if errors.Is(err, rpctypes.ErrLeaseNotFound) {
		r.mu.Lock()
		r.lease = 0
		r.mu.Unlock()
		r.poke()
	}
}

func nonce() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// refusal is an error text sent to the client as it is.
type refusal string

func (r refusal) Error() string { return string(r) }

// mine reports whether v was written by this node: its name and its
// advertised address, which no other node can share.
func (r *registry) mine(v value) bool {
	return v.Node == r.cfg.Name && v.Addr == r.cfg.Advertise
}
