package browse

import (
	"encoding/binary"
	"slices"
)

// sortItem is an entry with an abbreviation of where it sorts: comparing
// a and b settles most comparisons without reading the entry, and only
// ties fall back to the full comparison. Read together, a and b are 128
// bits: "is a file" (so folders come first), then the sort value (size or
// time, offset so that unsigned order is signed order) or the first bytes
// of the natural key, then the first bytes of the key, all inverted but
// the top bit for a descending order. Cut bits only make ties, never a
// wrong order.
type sortItem struct {
	a, b uint64
	e    *entry
}

func sortItemOf(e *entry, q listQuery) sortItem {
	hi, lo := keyPrefix(e.key)
	v, w := hi, lo
	switch q.sort {
	case SortSize:
		v, w = uint64(e.size)^1<<63, hi
	case SortTime:
		v, w = uint64(e.mtime)^1<<63, hi
	}
	a, b := v>>1, v<<63|w>>1
	if q.desc {
		a, b = a^(1<<63-1), ^b
	}
	if !e.isDir() {
		a |= 1 << 63
	}
	return sortItem{a, b, e}
}

// keyPrefix is the first 16 bytes of key as two big-endian numbers,
// padded with zeros: their order is the order of the keys, or a tie.
func keyPrefix(key string) (hi, lo uint64) {
	var buf [16]byte
	copy(buf[:], key)
	return binary.BigEndian.Uint64(buf[:8]), binary.BigEndian.Uint64(buf[8:])
}

// itemCompare orders sort items by their abbreviation, then by cmp.
func itemCompare(cmp func(a, b *entry) int) func(x, y sortItem) int {
	return func(x, y sortItem) int {
		switch {
		case x.a != y.a:
			if x.a < y.a {
				return -1
			}
			return 1
		case x.b != y.b:
			if x.b < y.b {
				return -1
			}
			return 1
		}
		return cmp(x.e, y.e)
	}
}

// itemLess is itemCompare(cmp)(x, y) < 0, with the abbreviations
// compared inline.
func itemLess(x, y sortItem, cmp func(x, y sortItem) int) bool {
	if x.a != y.a {
		return x.a < y.a
	}
	if x.b != y.b {
		return x.b < y.b
	}
	return cmp(x, y) < 0
}

// radixMin is the length from which sortItems radix-sorts; below it a
// comparison sort is as fast.
const radixMin = 64

// sortItems sorts items by itemCompare, using tmp (as long as items) as
// scratch, and returns the sorted slice: items or tmp. The abbreviations
// are sorted as 128-bit numbers by a least-significant-digit radix sort,
// a pass per byte, skipping the bytes that are the same in all items
// (names sharing a prefix, zero padding); then each run of equal
// abbreviations, rare, is sorted by the full comparison. A radix pass
// costs a read and a move per item, where a comparison sort calls cmp
// about log2(n) times per item.
func sortItems(items, tmp []sortItem, cmp func(x, y sortItem) int) []sortItem {
	if len(items) < radixMin {
		slices.SortFunc(items, cmp)
		return items
	}
	var diffA, diffB uint64
	for _, it := range items {
		diffA |= it.a ^ items[0].a
		diffB |= it.b ^ items[0].b
	}
	src, dst := items, tmp
	for pass := range 16 {
		word, shift := diffB, uint(8*pass)
		if pass >= 8 {
			word, shift = diffA, uint(8*(pass-8))
		}
		if word>>shift&0xff == 0 {
			continue // this byte is the same in all items
		}
		digit := func(it *sortItem) uint8 {
			if pass >= 8 {
				return uint8(it.a >> shift)
			}
			return uint8(it.b >> shift)
		}
		var count [256]int
		for i := range src {
			count[digit(&src[i])]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for i := range src {
			d := digit(&src[i])
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	for i := 0; i < len(src); {
		j := i + 1
		for j < len(src) && src[j].a == src[i].a && src[j].b == src[i].b {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(src[i:j], cmp)
		}
		i = j
	}
	return src
}

// parallelSortMin is the run length from which a run is sorted on a
// goroutine of its own; below it the goroutine costs more than it saves.
const parallelSortMin = 512

// mergeRuns appends the merge of two sorted runs to out.
func mergeRuns(out, a, b []sortItem, cmp func(x, y sortItem) int) []sortItem {
	out = slices.Grow(out, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if itemLess(b[0], a[0], cmp) {
			out = append(out, b[0])
			b = b[1:]
		} else {
			out = append(out, a[0])
			a = a[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}
