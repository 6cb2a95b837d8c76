package balancer

// hashString is FNV-1a over s followed by a 64-bit finalizer, so that keys
// differing in one byte land far apart. It allocates nothing.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix(h)
}

// mix is the splitmix64 finalizer.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// hostOnly strips the port from a RemoteAddr such as "10.0.0.1:5123" or
// "[::1]:5123", without allocating.
func hostOnly(addr string) string {
	if len(addr) > 0 && addr[0] == '[' {
		for i := 1; i < len(addr); i++ {
			if addr[i] == ']' {
				return addr[1:i]
			}
		}
		return addr
	}
	colons := 0
	last := -1
	for i := 0; i < len(addr); i++ {
		if addr[i] == ':' {
			colons++
			last = i
		}
	}
	if colons == 1 {
		return addr[:last]
	}
	return addr // no port, or a bare IPv6 address
}
