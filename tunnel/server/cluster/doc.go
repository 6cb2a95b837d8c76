// Package cluster runs several tunnel servers (package tunnel/server) as
// one service, coordinated through etcd.
//
//	node, err := cluster.New(cluster.Config{
//		Server:      server.Config{Domain: "tunnel.example.com", TunnelAddr: ":4443", HTTPAddr: ":80", Tokens: tokens},
//		Endpoints:   []string{"http://10.0.0.5:2379"}, // etcd
//		Name:        "node-a",
//		Advertise:   "10.0.0.11:7000", // where the other nodes forward to this one
//		Certificate: &nodeCert,        // node-to-node mutual TLS
//		RootCAs:     nodeRoots,
//	})
//	if err != nil { ... }
//	go node.Serve(ctx) // until ctx ends; Close drains
//
// Each node holds a lease in etcd that it keeps alive and claims, under it,
// the names and TCP ports of the tunnels it holds: a name taken on any node
// is taken on all. A public request that reaches a node not holding its
// name is forwarded, once, over mutual TLS to the node that does. A node
// that dies loses its lease, so its names are free again after
// Config.LeaseTTL and its clients get them back on another node. A node
// that cannot reach etcd keeps serving its tunnels and refuses new names
// with a passing error until it can.
//
// It is a package of its own so that a single server does not link etcd.
package cluster
