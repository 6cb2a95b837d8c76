package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// captured are frames from ngrok1-protocol.md: the length prefix in hex as
// captured, and the body. server marks frames that stock ngrokd wrote, which
// ours must reproduce byte for byte.
var captured = []struct {
	prefix, body string
	server       bool
	want         Message
}{
	{"9200000000000000", `{"Payload":{"Arch":"amd64","ClientId":"","MmVersion":"1.7","OS":"linux","Password":"","User":"any-token-is-accepted","Version":"2"},"Type":"Auth"}`, false,
		&Auth{Version: "2", MmVersion: "1.7", User: "any-token-is-accepted", OS: "linux", Arch: "amd64"}},
	{"7800000000000000", `{"Type":"AuthResp","Payload":{"Version":"2","MmVersion":"1.7","ClientId":"0047fc1ec361a65579dceaf453f3eb6d","Error":""}}`, true,
		&AuthResp{Version: "2", MmVersion: "1.7", ClientId: "0047fc1ec361a65579dceaf453f3eb6d"}},
	{"2000000000000000", `{"Type":"ReqProxy","Payload":{}}`, true, &ReqProxy{}},
	{"8800000000000000", `{"Payload":{"Hostname":"","HttpAuth":"","Protocol":"http+https","RemotePort":0,"ReqId":"probe1","Subdomain":"probe"},"Type":"ReqTunnel"}`, false,
		&ReqTunnel{ReqId: "probe1", Protocol: "http+https", Subdomain: "probe"}},
	{"7100000000000000", `{"Type":"NewTunnel","Payload":{"ReqId":"probe1","Url":"http://probe.ngrok.me:8080","Protocol":"http","Error":""}}`, true,
		&NewTunnel{ReqId: "probe1", Url: "http://probe.ngrok.me:8080", Protocol: "http"}},
	{"7300000000000000", `{"Type":"NewTunnel","Payload":{"ReqId":"probe1","Url":"https://probe.ngrok.me:8080","Protocol":"https","Error":""}}`, true,
		&NewTunnel{ReqId: "probe1", Url: "https://probe.ngrok.me:8080", Protocol: "https"}},
	{"5100000000000000", `{"Payload":{"Protocol":"tcp","RemotePort":0,"ReqId":"probe2"},"Type":"ReqTunnel"}`, false,
		&ReqTunnel{ReqId: "probe2", Protocol: "tcp"}},
	{"6a00000000000000", `{"Type":"NewTunnel","Payload":{"ReqId":"probe2","Url":"tcp://ngrok.me:34959","Protocol":"tcp","Error":""}}`, true,
		&NewTunnel{ReqId: "probe2", Url: "tcp://ngrok.me:34959", Protocol: "tcp"}},
	{"5600000000000000", `{"Payload":{"Protocol":"http","ReqId":"probe3","Subdomain":"test"},"Type":"ReqTunnel"}`, false,
		&ReqTunnel{ReqId: "probe3", Protocol: "http", Subdomain: "test"}},
	{"8800000000000000", `{"Type":"NewTunnel","Payload":{"ReqId":"","Url":"","Protocol":"","Error":"The tunnel http://test.ngrok.me:8080 is already registered."}}`, true,
		&NewTunnel{Error: "The tunnel http://test.ngrok.me:8080 is already registered."}},
	{"1c00000000000000", `{"Payload":{},"Type":"Ping"}`, false, &Ping{}},
	{"1c00000000000000", `{"Type":"Pong","Payload":{}}`, true, &Pong{}},
	{"4d00000000000000", `{"Payload":{"ClientId":"0047fc1ec361a65579dceaf453f3eb6d"},"Type":"RegProxy"}`, false,
		&RegProxy{ClientId: "0047fc1ec361a65579dceaf453f3eb6d"}},
	{"6300000000000000", `{"Type":"StartProxy","Payload":{"Url":"http://probe.ngrok.me:8080","ClientAddr":"127.0.0.1:37610"}}`, true,
		&StartProxy{Url: "http://probe.ngrok.me:8080", ClientAddr: "127.0.0.1:37610"}},
}

func TestCapturedFramesDecode(t *testing.T) {
	for _, c := range captured {
		prefix, err := hex.DecodeString(c.prefix)
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.LittleEndian.Uint64(prefix); got != uint64(len(c.body)) {
			t.Fatalf("capture %s: prefix says %d, body has %d bytes", c.want.Type(), got, len(c.body))
		}
		// Read must cope with a frame arriving a byte at a time.
		msg, err := Read(iotestOneByte(append(prefix, c.body...)), 0)
		if err != nil {
			t.Fatalf("decode captured %s: %v", c.want.Type(), err)
		}
		if !reflect.DeepEqual(msg, c.want) {
			t.Fatalf("captured %s decoded as %#v, want %#v", c.want.Type(), msg, c.want)
		}
	}
}

func TestOurFramesMatchStockServerBytes(t *testing.T) {
	for _, c := range captured {
		if !c.server {
			continue
		}
		got, err := Encode(c.want)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := hex.DecodeString(c.prefix)
		want = append(want, c.body...)
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %x %s\nwant %x %s", c.want.Type(), got[:8], got[8:], want[:8], want[8:])
		}
	}
}

func TestOurClientFramesMatchStockClient(t *testing.T) {
	// The stock client's debug log shows its bodies with Type first.
	for _, c := range []struct {
		msg  Message
		body string
	}{
		{&Auth{Version: "2", MmVersion: "1.7", OS: "linux", Arch: "amd64"},
			`{"Type":"Auth","Payload":{"Version":"2","MmVersion":"1.7","User":"","Password":"","OS":"linux","Arch":"amd64","ClientId":""}}`},
		{&ReqTunnel{ReqId: "1e7e77797afdc058", Protocol: "http+https", Subdomain: "test"},
			`{"Type":"ReqTunnel","Payload":{"ReqId":"1e7e77797afdc058","Protocol":"http+https","Hostname":"","Subdomain":"test","HttpAuth":"","RemotePort":0}}`},
	} {
		got, err := Encode(c.msg)
		if err != nil {
			t.Fatal(err)
		}
		if string(got[8:]) != c.body {
			t.Errorf("got  %s\nwant %s", got[8:], c.body)
		}
	}
}

// countingWriter counts Write calls.
type countingWriter struct {
	bytes.Buffer
	calls int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.calls++
	return w.Buffer.Write(p)
}

func TestWriteIsOneCall(t *testing.T) {
	var w countingWriter
	msgs := []Message{&Auth{Version: Version, MmVersion: MmVersion, User: strings.Repeat("t", 3000)}, &Ping{}, &StartProxy{Url: "http://a.example", ClientAddr: "1.2.3.4:5"}}
	for _, m := range msgs {
		if err := Write(&w, m); err != nil {
			t.Fatal(err)
		}
	}
	if w.calls != len(msgs) {
		t.Fatalf("%d writes for %d frames", w.calls, len(msgs))
	}
	for _, want := range msgs {
		got, err := Read(&w.Buffer, 0)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip: %#v, %v; want %#v", got, err, want)
		}
	}
}

func frame(length int64, body string) []byte {
	b := make([]byte, 8, 8+len(body))
	binary.LittleEndian.PutUint64(b, uint64(length))
	return append(b, body...)
}

func frameOf(body string) []byte { return frame(int64(len(body)), body) }

func TestRefusedFrames(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"2^40 length", frame(1<<40, ""), ErrFrameTooLarge},
		{"one over the limit", frame(DefaultMaxFrame+1, ""), ErrFrameTooLarge},
		{"negative length", frame(-5, ""), ErrBadLength},
		{"unknown type", frameOf(`{"Type":"Evil","Payload":{}}`), ErrUnknownType},
		{"type is case-sensitive", frameOf(`{"Type":"ping","Payload":{}}`), ErrUnknownType},
		{"no payload", frameOf(`{"Type":"Ping"}`), ErrNoPayload},
		{"null payload", frameOf(`{"Type":"Ping","Payload":null}`), ErrNoPayload},
		{"short body", frame(100, `{"Type":"Ping"`), io.ErrUnexpectedEOF},
		{"short prefix", []byte{1, 2, 3}, io.ErrUnexpectedEOF},
	}
	for _, c := range cases {
		_, err := Read(bytes.NewReader(c.in), 0)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Read(bytes.NewReader(frameOf(`{"Type":"Ping","Payload":5}`)), 0); err == nil {
		t.Error("a payload of the wrong JSON type was accepted")
	}
	if _, err := Read(bytes.NewReader(nil), 0); err != io.EOF {
		t.Errorf("clean end of stream: %v, want io.EOF", err)
	}
}

func TestFieldNamesCaseInsensitiveUnknownIgnored(t *testing.T) {
	body := `{"Type":"RegProxy","Payload":{"clientid":"abc","Extra":1}}`
	msg, err := Read(bytes.NewReader(frame(int64(len(body)), body)), 0)
	if err != nil || msg.(*RegProxy).ClientId != "abc" {
		t.Fatalf("%#v, %v", msg, err)
	}
}

func FuzzRead(f *testing.F) {
	for _, c := range captured {
		p, _ := hex.DecodeString(c.prefix)
		f.Add(append(p, c.body...))
	}
	f.Add(frame(1<<40, ""))
	f.Add(frame(-1, ""))
	f.Fuzz(func(t *testing.T, in []byte) {
		msg, err := Read(bytes.NewReader(in), 1024)
		if err != nil {
			return
		}
		// Whatever we accept, we must be able to send back and read again.
		out, err := Encode(msg)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", msg, err)
		}
		again, err := Read(bytes.NewReader(out), 1<<20)
		if err != nil || !reflect.DeepEqual(again, msg) {
			t.Fatalf("round trip of %#v: %#v, %v", msg, again, err)
		}
	})
}

// iotestOneByte returns a reader that yields one byte per Read.
func iotestOneByte(b []byte) io.Reader { return &oneByte{b} }

type oneByte struct{ b []byte }

func (r *oneByte) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.b[0]
	r.b = r.b[1:]
	return 1, nil
}

// Without an offer, Auth and AuthResp encode exactly as the 1.7 peers'
// (the captured frames above); with one, the field comes last.
func TestMuxFieldsOnlyWhenSet(t *testing.T) {
	b, err := Encode(&Auth{Version: "2", MmVersion: "1.7", Mux: MuxSmux})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Type":"Auth","Payload":{"Version":"2","MmVersion":"1.7","User":"","Password":"","OS":"","Arch":"","ClientId":"","Mux":"smux/2"}}`; string(b[8:]) != want {
		t.Fatalf("Auth with Mux = %s, want %s", b[8:], want)
	}
	b, _ = Encode(&AuthResp{Version: "2", MmVersion: "1.7", ClientId: "x"})
	if strings.Contains(string(b), "Mux") {
		t.Fatalf("AuthResp without Mux carries the field: %s", b[8:])
	}
}

// FuzzNegotiation decodes arbitrary Auth bodies and the Mux offer in them:
// never a panic, and only ever "" or MuxSmux chosen.
func FuzzNegotiation(f *testing.F) {
	for _, s := range []string{
		`{"Type":"Auth","Payload":{"Version":"2","Mux":"smux/2"}}`,
		`{"Type":"Auth","Payload":{"Version":"2","mux":"yamux/1, smux/2"}}`,
		`{"Type":"Auth","Payload":{"Version":"2","Mux":["smux/2"]}}`,
		`{"Type":"Auth","Payload":{"Version":"2","Mux":"smux/1"}}`,
		`{"Type":"AuthResp","Payload":{"ClientId":"a","Mux":"smux/2"}}`,
		`{"Type":"RegMux","Payload":{"ClientId":"a"}}`,
		`{"Type":"RegMux","Payload":null}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		m, err := Decode([]byte(body))
		if err != nil {
			return
		}
		var offer string
		switch m := m.(type) {
		case *Auth:
			offer = m.Mux
		case *AuthResp:
			offer = m.Mux
		default:
			return
		}
		if got := ChooseMux(offer); got != "" && got != MuxSmux {
			t.Fatalf("ChooseMux(%q) = %q", offer, got)
		}
		if got := ChooseMux(offer); got == MuxSmux && !strings.Contains(offer, MuxSmux) {
			t.Fatalf("ChooseMux(%q) chose what was not offered", offer)
		}
	})
}
