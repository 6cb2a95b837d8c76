package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/httpmw/httpmw/tunnel/server"
	"github.com/httpmw/httpmw/tunnel/server/cluster"
)

// clusterOptions are the flags of a cluster node. A loopback cluster in
// development needs only -etcd, -node and -advertise (with -dev and one
// -devDir shared by the nodes, node-to-node TLS uses the dev CA):
//
//	ngrokd -dev -etcd http://127.0.0.1:2379 -node a -advertise 127.0.0.1:7001 -tunnelAddr :4443 -httpAddr :8080 -httpsAddr "" -token s3cret=alice
//	ngrokd -dev -etcd http://127.0.0.1:2379 -node b -advertise 127.0.0.1:7002 -tunnelAddr :4444 -httpAddr :8081 -httpsAddr "" -token s3cret=alice
type clusterOptions struct {
	etcd, node, advertise, listen string
	nodeCrt, nodeKey, nodeCA      string
	etcdCrt, etcdKey, etcdCA      string
	leaseTTL                      time.Duration
}

func (c *clusterOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.etcd, "etcd", "", "etcd URLs, comma-separated: run as a node of a cluster (empty: a single server)")
	fs.StringVar(&c.node, "node", "", "this node's name in the cluster (default: host name)")
	fs.StringVar(&c.advertise, "advertise", "", "host:port where other nodes reach this node to forward requests (cluster)")
	fs.StringVar(&c.listen, "nodeListen", "", "address the node listener binds (default: -advertise)")
	fs.StringVar(&c.nodeCrt, "nodeCrt", "", "node certificate (PEM) for node-to-node mutual TLS, with server and client auth usages")
	fs.StringVar(&c.nodeKey, "nodeKey", "", "key of -nodeCrt (PEM)")
	fs.StringVar(&c.nodeCA, "nodeCA", "", "CA certificates (PEM) that sign the nodes' certificates")
	fs.StringVar(&c.etcdCA, "etcdCA", "", "CA certificates (PEM) of etcd's https endpoints (default: the system's)")
	fs.StringVar(&c.etcdCrt, "etcdCrt", "", "client certificate (PEM) for etcd, if it requires one")
	fs.StringVar(&c.etcdKey, "etcdKey", "", "key of -etcdCrt (PEM)")
	fs.DurationVar(&c.leaseTTL, "leaseTTL", 5*time.Second, "etcd lease TTL: how long a dead node's names stay taken")
}

// clusterConfig builds the node's configuration around the server's.
func clusterConfig(c clusterOptions, srv server.Config) (cluster.Config, error) {
	cfg := cluster.Config{
		Server:    srv,
		Name:      c.node,
		Advertise: c.advertise,
		Listen:    c.listen,
		LeaseTTL:  c.leaseTTL,
	}
	for _, e := range strings.Split(c.etcd, ",") {
		if e = strings.TrimSpace(e); e != "" {
			cfg.Endpoints = append(cfg.Endpoints, e)
		}
	}
	if c.etcdCA != "" || c.etcdCrt != "" || c.etcdKey != "" {
		t := &tls.Config{}
		if c.etcdCA != "" {
			pool, err := loadPool(c.etcdCA)
			if err != nil {
				return cfg, fmt.Errorf("-etcdCA: %w", err)
			}
			t.RootCAs = pool
		}
		if c.etcdCrt != "" || c.etcdKey != "" {
			cert, err := tls.LoadX509KeyPair(c.etcdCrt, c.etcdKey)
			if err != nil {
				return cfg, fmt.Errorf("-etcdCrt/-etcdKey: %w", err)
			}
			t.Certificates = []tls.Certificate{cert}
		}
		cfg.EtcdTLS = t
	}
	if c.nodeCrt != "" || c.nodeKey != "" || c.nodeCA != "" {
		cert, err := tls.LoadX509KeyPair(c.nodeCrt, c.nodeKey)
		if err != nil {
			return cfg, fmt.Errorf("-nodeCrt/-nodeKey: %w", err)
		}
		pool, err := loadPool(c.nodeCA)
		if err != nil {
			return cfg, fmt.Errorf("-nodeCA: %w", err)
		}
		cfg.Certificate, cfg.RootCAs = &cert, pool
	} else if srv.DevCA == nil {
		return cfg, errors.New("-etcd: node-to-node TLS needs -nodeCrt, -nodeKey and -nodeCA (or -dev)")
	}
	return cfg, nil
}

// runNode runs the server as a cluster node; SIGTERM drains it.
func runNode(ctx context.Context, o *options, srv server.Config, notes []string, stdout io.Writer, ready func(*server.Server)) error {
	cfg, err := clusterConfig(o.cluster, srv)
	if err != nil {
		return err
	}
	node, err := cluster.New(cfg)
	if err != nil {
		return err
	}
	s := node.Server()
	fmt.Fprintf(stdout, "ngrokd: node %s of the cluster at %s: tunnels on %s, http on %s, https on %s, node listener on %s, domain %s\n",
		cfg.Name, strings.Join(cfg.Endpoints, ","), s.TunnelAddr(), addr(s.HTTPAddr()), addr(s.HTTPSAddr()), node.NodeAddr(), srv.Domain)
	for _, n := range notes {
		fmt.Fprintln(stdout, n)
	}
	if ready != nil {
		ready(s)
	}
	return node.Serve(ctx)
}

// loadPool reads PEM certificates into a pool.
func loadPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no certificate found")
	}
	return pool, nil
}
