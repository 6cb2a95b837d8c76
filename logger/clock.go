package logger

import (
	"sync/atomic"
	"time"
)

// stamps holds one second's timestamps, formatted once and shared by every
// request in that second.
type stamps struct {
	unix int64
	clf  [26]byte // 02/Jan/2006:15:04:05 -0700
	iso  [20]byte // 2006-01-02T15:04:05Z, in UTC
}

// clock formats request times. The cache turns a layout-driven Format per
// request into one atomic load.
type clock struct {
	now  func() time.Time
	last atomic.Pointer[stamps]
}

func (c *clock) stamp(t time.Time) *stamps {
	sec := t.Unix()
	if s := c.last.Load(); s != nil && s.unix == sec {
		return s
	}
	s := &stamps{unix: sec}
	t.AppendFormat(s.clf[:0], "02/Jan/2006:15:04:05 -0700")
	t.UTC().AppendFormat(s.iso[:0], "2006-01-02T15:04:05Z")
	c.last.Store(s)
	return s
}
