// Package clientip reads client addresses: a connection's RemoteAddr, the
// lists of trusted proxies a Config names, and the chains of addresses
// proxies write in X-Forwarded-For and Forwarded (RFC 7239). Addresses come
// out as netip.Addr with IPv4-mapped IPv6 unmapped, so 10.0.0.1 and
// ::ffff:10.0.0.1 are one client.
package clientip
