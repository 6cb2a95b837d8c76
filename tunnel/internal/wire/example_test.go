package wire_test

import (
	"bytes"
	"fmt"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// A frame written by one side is read back whole by the other.
func Example() {
	var conn bytes.Buffer // a net.Conn in real use
	if err := wire.Write(&conn, &wire.ReqTunnel{ReqId: "1", Protocol: "http", Subdomain: "demo"}); err != nil {
		panic(err)
	}
	fmt.Printf("% x ...\n", conn.Bytes()[:8]) // the little-endian length

	msg, err := wire.Read(&conn, wire.DefaultMaxFrame)
	if err != nil {
		panic(err)
	}
	req := msg.(*wire.ReqTunnel)
	fmt.Println(msg.Type(), req.Protocol, req.Subdomain)
	// Output:
	// 7c 00 00 00 00 00 00 00 ...
	// ReqTunnel http demo
}
