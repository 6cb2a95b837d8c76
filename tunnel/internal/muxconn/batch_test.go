package muxconn

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func tcpPair(t *testing.T) (a, b net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// Frames arrive whole and in order, however they are joined.
func TestBatchKeepsOrder(t *testing.T) {
	a, b := tcpPair(t)
	w := Wrap(a, 5*time.Second).(*batchConn)
	var want bytes.Buffer
	for i := range 1000 {
		hdr := []byte{byte(i), byte(i >> 8)}
		body := bytes.Repeat([]byte{byte(i)}, i%300)
		want.Write(hdr)
		want.Write(body)
		if _, err := w.WriteBuffers([][]byte{hdr, body}); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]byte, want.Len())
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(b, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("frames arrived out of order or changed")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// A peer that stops reading: writes queue up to maxPending, then wait,
// then fail once the write deadline passes; the connection is closed.
func TestBatchFailsWhenPeerStopsReading(t *testing.T) {
	a, b := tcpPair(t)
	w := Wrap(a, 200*time.Millisecond)
	defer w.Close()
	chunk := make([]byte, 32<<10)
	var err error
	for sent := 0; err == nil; sent += len(chunk) {
		if sent > 1<<30 {
			t.Fatal("1 GiB queued to a peer that never reads")
		}
		_, err = w.Write(chunk)
	}
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, rerr := io.Copy(io.Discard, b); rerr != nil {
		t.Fatalf("peer read: %v; want EOF (the writer closed the connection)", rerr)
	}
}
