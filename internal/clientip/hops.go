package clientip

import (
	"net/netip"
	"strings"

	"github.com/httpmw/httpmw/internal/ascii"
	"github.com/httpmw/httpmw/internal/httptoken"
)

// MaxHops bounds how many proxy hops a Hops remembers; a longer chain
// keeps its last (nearest) MaxHops, which is where the walk starts anyway.
const MaxHops = 32

// Hops is the chain of addresses forwarding headers report, client first,
// held without a heap allocation. Its zero value is an empty chain.
type Hops struct {
	addr [MaxHops]netip.Addr // invalid: an entry that is no address
	n    int                 // entries seen, possibly more than MaxHops
}

// Len is how many entries were added, including those no longer held.
func (h *Hops) Len() int { return h.n }

// Add appends one entry; ok false records an entry that is no address,
// which stops Client's walk there.
func (h *Hops) Add(a netip.Addr, ok bool) {
	if !ok {
		a = netip.Addr{}
	}
	h.addr[h.n%MaxHops] = a
	h.n++
}

// Client walks from the nearest hop outward, starting at peer (the
// connection's own address) and skipping trusted proxies; the first
// untrusted address is the client. Entries left of it were written by the
// client itself and prove nothing. An entry that is no address stops the
// walk at the last address vouched for.
func (h *Hops) Client(peer netip.Addr, t Trusted) netip.Addr {
	cur := peer
	kept := min(h.n, MaxHops)
	for i := 1; i <= kept; i++ {
		a := h.addr[(h.n-i)%MaxHops]
		if !a.IsValid() {
			return cur
		}
		cur = a
		if !t.Contains(a) {
			return a
		}
	}
	return cur
}

// AddXForwardedFor adds the entries of one X-Forwarded-For field value:
// "client, proxy1, proxy2".
func (h *Hops) AddXForwardedFor(v string) {
	for v != "" {
		var item string
		item, v, _ = strings.Cut(v, ",")
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		h.Add(ParseNode(item))
	}
}

// AddForwarded adds the for= node of each element of one RFC 7239
// Forwarded field value, such as
//
//	for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"
//
// An element without a usable for= ("unknown", an obfuscated "_name", a
// syntax error) is added as no address, which stops the walk there.
func (h *Hops) AddForwarded(v string) {
	i := 0
	for i <= len(v) {
		var node netip.Addr
		found, ok, empty := false, true, true
		// One element: pairs separated by ';' until ',' or the end.
		for {
			i = skipSpace(v, i)
			if i < len(v) && v[i] != ',' && v[i] != ';' {
				empty = false
				key, val, next, good := forwardedPair(v, i)
				i = next
				if !good {
					ok = false
				} else if ascii.EqualFold(key, "for") {
					if found {
						ok = false // two for= in one element: ambiguous
					}
					found = true
					node, good = ParseNode(val)
					ok = ok && good
				}
			}
			i = skipSpace(v, i)
			if i >= len(v) || v[i] == ',' {
				break
			}
			if v[i] != ';' {
				ok, empty = false, false
				for i < len(v) && v[i] != ',' { // resynchronize on the next element
					i++
				}
				break
			}
			i++ // past ';'
		}
		if !empty {
			// An element without for= says nothing of its client: invalid.
			h.Add(node, found && ok)
		}
		i++ // past ',' (or beyond the end, which ends the loop)
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// forwardedPair reads `token=value` or `token="quoted value"` at i. It
// returns the key, the value, the index after it, and whether it parsed. A
// quoted value with a backslash escape is refused: no address needs one.
func forwardedPair(s string, i int) (key, val string, next int, ok bool) {
	start := i
	for i < len(s) && httptoken.IsTokenByte(s[i]) {
		i++
	}
	if i == start || i >= len(s) || s[i] != '=' {
		return "", "", skipToDelim(s, i), false
	}
	key = s[start:i]
	i++ // past '='
	if i < len(s) && s[i] == '"' {
		end := strings.IndexByte(s[i+1:], '"')
		if end < 0 {
			return "", "", len(s), false
		}
		val = s[i+1 : i+1+end]
		if strings.IndexByte(val, '\\') >= 0 {
			return "", "", i + end + 2, false
		}
		return key, val, i + end + 2, true
	}
	start = i
	for i < len(s) && httptoken.IsTokenByte(s[i]) {
		i++
	}
	if i == start {
		return "", "", skipToDelim(s, i), false
	}
	return key, s[start:i], i, true
}

func skipToDelim(s string, i int) int {
	for i < len(s) && s[i] != ';' && s[i] != ',' {
		i++
	}
	return i
}
