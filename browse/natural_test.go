package browse

import (
	"cmp"
	"strings"

	"github.com/httpmw/httpmw/internal/ascii"
)

// The reference for the listing's name order, written the direct way: the
// sort itself compares keys from appendNaturalKey, and FuzzCompareNames
// checks the two agree.

// compareNames orders names as people expect: ASCII case ignored and runs
// of digits compared as numbers, so "file2" comes before "file10" and "b"
// before "C"; equal names by that measure fall back to bytewise order, so
// the order is total. The page's script sorts the same way.
func compareNames(a, b string) int {
	if c := compareNatural(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func compareNatural(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		x, y := a[i], b[j]
		if isDigit(x) && isDigit(y) {
			si, sj := i, j
			for i < len(a) && a[i] == '0' {
				i++
			}
			for j < len(b) && b[j] == '0' {
				j++
			}
			ei, ej := i, j
			for ei < len(a) && isDigit(a[ei]) {
				ei++
			}
			for ej < len(b) && isDigit(b[ej]) {
				ej++
			}
			// More significant digits is a bigger number; same length
			// compares digit by digit; then fewer leading zeros first.
			if c := cmp.Compare(int64(ei-i), int64(ej-j)); c != 0 {
				return c
			}
			if c := strings.Compare(a[i:ei], b[j:ej]); c != 0 {
				return c
			}
			if c := cmp.Compare(int64(ei-si), int64(ej-sj)); c != 0 {
				return c
			}
			i, j = ei, ej
			continue
		}
		if x, y = ascii.Lower(x), ascii.Lower(y); x != y {
			if x < y {
				return -1
			}
			return 1
		}
		i++
		j++
	}
	return cmp.Compare(int64(len(a)-i), int64(len(b)-j))
}
