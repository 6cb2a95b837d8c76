package browse

import "strings"

// acceptWeights parses an Accept or Accept-Encoding header value and
// returns the weight (q-value, 0 to 1000) that it gives to each of the
// offers, in order; an offer the header does not mention gets -1. The most
// specific range wins: "text/html" over "text/*" over "*/*" (for
// Accept-Encoding, "gzip" over "*"). Malformed elements are skipped, so
// garbage never refuses a request. Names compare case-insensitively.
func acceptWeights(header string, offers []string, weights []int) {
	// specificity of the range that set each weight: 3 exact, 2 type/*, 1 */* or *
	var spec [8]int8
	for i := range offers {
		weights[i] = -1
	}
	for elem := range strings.SplitSeq(header, ",") {
		value, params, _ := strings.Cut(elem, ";")
		value = strings.TrimSpace(value)
		if value == "" {
			continue
		}
		q, ok := parseQ(params)
		if !ok {
			continue
		}
		for i, offer := range offers {
			s := matchSpecificity(value, offer)
			if s == 0 || i >= len(spec) || int8(s) < spec[i] {
				continue
			}
			if int8(s) > spec[i] || q > weights[i] {
				spec[i] = int8(s)
				weights[i] = q
			}
		}
	}
}

// matchSpecificity says how specifically the range r matches offer:
// 3 exactly, 2 by "type/*", 1 by "*/*" or "*", 0 not at all.
func matchSpecificity(r, offer string) int {
	switch {
	case strings.EqualFold(r, offer):
		return 3
	case r == "*" || r == "*/*":
		return 1
	case strings.HasSuffix(r, "/*"):
		typ := r[:len(r)-1] // "text/"
		if len(offer) > len(typ) && strings.EqualFold(offer[:len(typ)], typ) {
			return 2
		}
	}
	return 0
}

// parseQ finds q in a parameter list such as "; level=1; q=0.5" and returns
// it in thousandths. No q means 1000; a malformed q makes ok false.
func parseQ(params string) (q int, ok bool) {
	q = 1000
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		return parseQValue(strings.TrimSpace(v))
	}
	return q, true
}

// parseQValue parses RFC 9110's qvalue: "0", "0.5", "1", "1.000".
func parseQValue(v string) (int, bool) {
	if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
		return 0, false
	}
	q := int(v[0]-'0') * 1000
	if len(v) == 1 {
		return q, true
	}
	if v[1] != '.' {
		return 0, false
	}
	scale := 100
	for _, c := range []byte(v[2:]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return 0, false
	}
	return q, true
}

// bestOffer returns the index of the offer the header weighs highest, ties
// going to the earlier offer, or -1 when none is acceptable. When the
// header says nothing of any offer, fallback is returned.
func bestOffer(header string, offers []string, fallback int) int {
	var buf [8]int
	weights := buf[:len(offers)]
	acceptWeights(header, offers, weights)
	best, bestQ, mentioned := -1, 0, false
	for i, q := range weights {
		if q >= 0 {
			mentioned = true
		}
		if q > bestQ {
			best, bestQ = i, q
		}
	}
	if !mentioned {
		return fallback
	}
	return best
}
