package browse

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Sort keys and orders accepted in a listing's query string.
const (
	SortName = "name"
	SortSize = "size"
	SortTime = "time"

	OrderAsc  = "asc"
	OrderDesc = "desc"
)

// maxQueryNumber bounds limit and offset, far above any folder, so that
// offset+limit cannot overflow.
const maxQueryNumber = 1 << 30

// errBadQuery is wrapped by the errors parseListQuery returns; the request
// is answered 400.
var errBadQuery = errors.New("bad listing query")

// listQuery is a parsed listing query: sort=name|size|time, order=asc|desc,
// limit=N (0 = all), offset=N. Other parameters are ignored, so cache
// busters and tracking tags do not break a listing.
type listQuery struct {
	sort   string
	desc   bool
	limit  int
	offset int
}

// parseListQuery parses a raw query string such as "sort=size&order=desc".
// A repeated parameter takes its last value.
func parseListQuery(raw string) (listQuery, error) {
	q := listQuery{sort: SortName}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			var err error
			if k, err = url.QueryUnescape(k); err != nil {
				continue // not one of ours, whatever it is
			}
		}
		switch k {
		case "sort", "order", "limit", "offset":
		default:
			continue
		}
		if strings.ContainsAny(v, "%+") {
			var err error
			if v, err = url.QueryUnescape(v); err != nil {
				return q, badQuery(k, v)
			}
		}
		switch k {
		case "sort":
			switch v {
			case SortName, SortSize, SortTime:
				q.sort = v
			default:
				return q, badQuery(k, v)
			}
		case "order":
			switch v {
			case OrderAsc:
				q.desc = false
			case OrderDesc:
				q.desc = true
			default:
				return q, badQuery(k, v)
			}
		case "limit", "offset":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > maxQueryNumber {
				return q, badQuery(k, v)
			}
			if k == "limit" {
				q.limit = n
			} else {
				q.offset = n
			}
		}
	}
	return q, nil
}

func badQuery(k, v string) error {
	if len(v) > 32 {
		v = v[:32] + "..."
	}
	return fmt.Errorf("%w: %s=%q", errBadQuery, k, v)
}

// order is the query's order as a word.
func (q listQuery) order() string {
	if q.desc {
		return OrderDesc
	}
	return OrderAsc
}

// encode writes the query back in canonical form, for links.
func (q listQuery) encode() string {
	s := "sort=" + q.sort + "&order=" + q.order()
	if q.limit > 0 {
		s += "&limit=" + strconv.Itoa(q.limit)
	}
	if q.offset > 0 {
		s += "&offset=" + strconv.Itoa(q.offset)
	}
	return s
}
