package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/httpmw/httpmw/tunnel/server"
)

// Names form a tree, as on a single server (tunnel/server's names.go): an
// owner of a live name holds the names under it too, on every node. The
// keys of http and https names hold the host with its labels reversed
// ("names/http/test.example.demo"), so the names under one are a prefix.

// key is the etcd key of a Holding.Key.
func (r *registry) key(k string) string {
	proto, name, _ := strings.Cut(k, "/")
	if proto != "tcp" {
		name = reverseLabels(name)
	}
	return r.cfg.Prefix + "names/" + proto + "/" + name
}

func reverseLabels(host string) string {
	labels := strings.Split(host, ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, ".")
}

// above lists the names above host, nearest first, stopping below the
// Domain: the Domain and its parents belong to nobody.
func (r *registry) above(host string) []string {
	d := r.cfg.Server.Domain
	var out []string
	for n := host; ; {
		_, parent, ok := strings.Cut(n, ".")
		if !ok || parent == d || strings.HasSuffix(d, "."+parent) {
			return out
		}
		out = append(out, parent)
		n = parent
	}
}

// treeGuard reads the names above h's host, the host itself in the other
// protocol, and the names under it; it returns the refusal when another
// owner holds one, else the compares that keep this so until the claim's
// transaction commits (any of those keys changing makes it fail).
func (r *registry) treeGuard(ctx context.Context, h server.Holding) ([]clientv3.Cmp, error) {
	proto, host, _ := strings.Cut(h.Key, "/")
	if proto == "tcp" {
		return nil, nil
	}
	var exact, under []string
	for _, p := range []string{"http", "https"} {
		for _, n := range r.above(host) {
			exact = append(exact, r.key(p+"/"+n))
		}
		if p != proto {
			exact = append(exact, r.key(p+"/"+host))
		}
		under = append(under, r.key(p+"/"+host)+".")
	}
	ops := make([]clientv3.Op, 0, len(exact)+len(under))
	for _, k := range exact {
		ops = append(ops, clientv3.OpGet(k))
	}
	for _, k := range under {
		ops = append(ops, clientv3.OpGet(k, clientv3.WithPrefix(), clientv3.WithLimit(64)))
	}
	resp, err := r.cli.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return nil, err
	}
	for i, rr := range resp.Responses {
		for _, kv := range rr.GetResponseRange().Kvs {
			var v value
			if json.Unmarshal(kv.Value, &v) == nil && v.Owner == h.Owner {
				continue
			}
			if i < len(exact) {
				name := reverseLabels(string(kv.Key)[strings.LastIndex(string(kv.Key), "/")+1:])
				return nil, refusal(fmt.Sprintf("The tunnel %s is not available: %s is in use by another account.", h.URL, name))
			}
			return nil, refusal(fmt.Sprintf("The tunnel %s is not available: another account has a tunnel under %s.", h.URL, host))
		}
	}
	rev := resp.Header.Revision
	cmps := make([]clientv3.Cmp, 0, len(exact)+len(under))
	for _, k := range exact {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(k), "<", rev+1))
	}
	for _, k := range under {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(k), "<", rev+1).WithPrefix())
	}
	return cmps, nil
}
