package cluster

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/httpmw/httpmw/tunnel/server"
)

// Node is one tunnel server of a cluster. Make one with New, run it with
// Serve, stop it (draining) with Close.
type Node struct {
	cfg  Config
	srv  *server.Server
	reg  *registry
	cli  *clientv3.Client
	ln   net.Listener
	tls  *nodeTLS
	stop context.CancelFunc
	ctx  context.Context
	wg   sync.WaitGroup

	closeOnce sync.Once
}

// New validates cfg, connects to etcd (without waiting for it: a node
// refuses new names until it has a lease) and binds the server's and the
// node listener's addresses.
func New(cfg Config) (*Node, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ntls, err := newNodeTLS(cfg)
	if err != nil {
		return nil, err
	}
	log := cfg.Server.Logger
	if log == nil {
		log = discardLogger()
	}
	log = log.With("node", cfg.Name)
	cfg.Server.Logger = log
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:            cfg.Endpoints,
		DialTimeout:          cfg.StoreTimeout,
		DialKeepAliveTime:    cfg.LeaseTTL,
		DialKeepAliveTimeout: cfg.StoreTimeout,
		TLS:                  cfg.EtcdTLS,
		Logger:               zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: etcd client: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("cluster: node listener: %w", err)
	}
	if host, port, _ := net.SplitHostPort(cfg.Advertise); port == "0" && cfg.Listen == cfg.Advertise {
		_, bound, _ := net.SplitHostPort(ln.Addr().String())
		cfg.Advertise = net.JoinHostPort(host, bound)
	}
	reg := newRegistry(cfg, cli, log)
	reg.fwd = newForwarder(reg, ntls)
	scfg := cfg.Server
	scfg.Registry = reg
	srv, err := server.New(scfg)
	if err != nil {
		ln.Close()
		cli.Close()
		return nil, err
	}
	n := &Node{cfg: cfg, srv: srv, reg: reg, cli: cli, ln: ln, tls: ntls}
	n.ctx, n.stop = context.WithCancel(context.Background())
	return n, nil
}

// Server is the node's tunnel server, for its addresses.
func (n *Node) Server() *server.Server { return n.srv }

// NodeAddr is the bound address of the node listener.
func (n *Node) NodeAddr() net.Addr { return n.ln.Addr() }

// Serve runs the node until ctx ends or Close is called, then closes it
// (draining) and returns nil.
func (n *Node) Serve(ctx context.Context) error {
	n.wg.Add(2)
	go func() {
		defer n.wg.Done()
		n.reg.keep(n.ctx)
	}()
	go func() {
		defer n.wg.Done()
		n.reg.watch(n.ctx)
	}()
	if n.cfg.Server.TCPAddr != "" {
		f := newTCPForwarder(n.reg, n.tls)
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			f.run(n.ctx)
		}()
	}
	if err := n.srv.ServeForwarded(n.ln, n.tls.listen); err != nil {
		n.Close()
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(n.ctx, cancel)
	defer stop()
	err := n.srv.Serve(ctx)
	n.Close()
	return err
}

// Close drains the node: the server stops taking control connections
// and public connections, lets requests in flight finish (for up to
// Server.ShutdownTimeout) and closes its clients' control connections,
// so that they reconnect to another node; then the node revokes its
// lease, which frees all its names at once. Safe to call more than once.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.srv.Close()
		n.ln.Close()
		n.stop()
		n.wg.Wait()
		n.reg.revoke(n.cfg.StoreTimeout)
		n.fwdClose()
		n.cli.Close()
	})
	return nil
}

// kill stops the node as if its process died: no drain, no revoke; its
// names stay taken until the lease expires. For tests.
func (n *Node) kill() {
	n.closeOnce.Do(func() {
		n.reg.abandon()
		n.stop()
		n.wg.Wait()
		n.srv.Close()
		n.ln.Close()
		n.fwdClose()
		n.cli.Close()
	})
}

func (n *Node) fwdClose() {
	n.reg.fwd.transport.CloseIdleConnections()
}

// WaitReady waits until the node, serving, holds a lease in etcd, so it
// admits new names, or until ctx ends. Until then clients are told to
// try again.
func (n *Node) WaitReady(ctx context.Context) error {
	for {
		if _, ok := n.reg.up(); ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
