package cluster_test

import (
	"errors"
	"fmt"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/tunnel/server"
	"github.com/httpmw/httpmw/tunnel/server/cluster"
)

// New checks the Config before it contacts etcd, and names the field it
// refuses; a cluster node needs etcd's URLs beside its server's Config.
func ExampleNew() {
	_, err := cluster.New(cluster.Config{
		Server:    server.Config{TunnelAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", AllowAnonymous: true},
		Name:      "node-a",
		Advertise: "127.0.0.1:7000",
	})
	fmt.Println(err)
	var ce *httpmw.ConfigError
	fmt.Println(errors.As(err, &ce), ce.Field)
	// Output:
	// cluster: Config.Endpoints: at least one etcd URL is required
	// true Config.Endpoints
}
