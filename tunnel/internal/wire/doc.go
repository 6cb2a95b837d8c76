// Package wire is the ngrok 1.x tunnel protocol shared by httpmw's tunnel
// client and tunnel/server: length-prefixed JSON frames and the nine message
// types, as spoken by ngrok and ngrokd 1.7.
//
//	err := wire.Write(conn, &wire.Auth{Version: wire.Version, MmVersion: wire.MmVersion, User: token})
//	msg, err := wire.Read(conn, wire.DefaultMaxFrame)
//	if resp, ok := msg.(*wire.AuthResp); ok && resp.Error != "" { ... }
//
// A frame is a little-endian int64 length and that many bytes of
// {"Type":"<Name>","Payload":{...}}. Write sends a frame in one Write call,
// because the original peers read a body with a single Read; Read reads until
// full and refuses negative or oversized lengths before allocating. The
// protocol notes, with captured frames, are in PROTOCOL.md beside this file.
package wire
