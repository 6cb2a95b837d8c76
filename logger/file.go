package logger

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fileMode is the mode new log files get (before the umask): readable by
// the group, as adm-style log readers expect, and by nobody else.
const fileMode = 0o640

// backupLayout is the timestamp inserted in rotated file names; it sorts
// by time and holds no character any file system refuses.
const backupLayout = "2006-01-02T15-04-05.000"

// logFile is an append-only log file that rotates by size and can be
// reopened after an outside tool moved it. It is written by one goroutine
// at a time, but Reopen may come from the signal watcher, hence the mutex.
type logFile struct {
	mu     sync.Mutex
	path   string
	rotate Rotation
	now    func() time.Time
	report func(error)
	f      *os.File
	size   int64
}

func openLogFile(path string, rot Rotation, now func() time.Time, report func(error)) (*logFile, error) {
	lf := &logFile{path: path, rotate: rot, now: now, report: report}
	if err := lf.open(); err != nil {
		return nil, err
	}
	return lf, nil
}

func (lf *logFile) open() error {
	f, err := os.OpenFile(lf.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileMode)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	lf.f, lf.size = f, fi.Size()
	return nil
}

// Write appends p, which holds whole lines, rotating whenever the next
// line would take the file past MaxSize. A line is never split across
// files; a line longer than MaxSize gets a file of its own.
func (lf *logFile) Write(p []byte) (int, error) {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if lf.f == nil {
		return 0, ErrClosed
	}
	written := 0
	for len(p) > 0 {
		chunk := p
		if max := lf.rotate.MaxSize; max > 0 && lf.size+int64(len(chunk)) > max {
			fit := 0 // the whole lines that still fit
			if room := max - lf.size; room > 0 {
				fit = bytes.LastIndexByte(chunk[:room], '\n') + 1
			}
			if fit == 0 && lf.size > 0 {
				if err := lf.rotateLocked(); err != nil {
					// Keep writing past MaxSize rather than lose lines.
					lf.report(fmt.Errorf("logger: rotating %s: %w", lf.path, err))
					fit = len(chunk)
				} else {
					continue
				}
			}
			if fit == 0 { // an empty file and a first line beyond MaxSize
				fit = bytes.IndexByte(chunk, '\n') + 1
				if fit == 0 {
					fit = len(chunk)
				}
			}
			chunk = chunk[:fit]
		}
		n, err := lf.f.Write(chunk)
		lf.size += int64(n)
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// Reopen closes the file and opens the path again: after logrotate moved
// the file away, lines go to a new file at the configured path.
func (lf *logFile) Reopen() error {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if lf.f == nil {
		return ErrClosed
	}
	old := lf.f
	if err := lf.open(); err != nil {
		return err // keep writing to the old file rather than lose lines
	}
	return old.Close()
}

func (lf *logFile) Close() error {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	if lf.f == nil {
		return nil
	}
	err := lf.f.Close()
	lf.f = nil
	return err
}

// rotateLocked moves the current file to a timestamped name, opens a new
// one and prunes old copies.
func (lf *logFile) rotateLocked() error {
	backup, err := lf.backupName()
	if err != nil {
		return err
	}
	if err := os.Rename(lf.path, backup); err != nil {
		return err // still writing to the current file: nothing lost
	}
	old := lf.f
	if err := lf.open(); err != nil {
		// The path is gone; keep the renamed file open so lines still land.
		return err
	}
	old.Close()
	return lf.prune()
}

// backupName picks a free name: access.log -> access-<time>.log, with a
// counter when two rotations fall in one millisecond.
func (lf *logFile) backupName() (string, error) {
	dir, prefix, ext := lf.parts()
	stamp := lf.now().UTC().Format(backupLayout)
	for i := 0; i < 1000; i++ {
		name := prefix + stamp + ext
		if i > 0 {
			name = prefix + stamp + "-" + strconv.Itoa(i) + ext
		}
		full := filepath.Join(dir, name)
		if _, err := os.Lstat(full); os.IsNotExist(err) {
			return full, nil
		}
	}
	return "", fmt.Errorf("no free backup name for %s", lf.path)
}

// parts splits the path into its folder, the backup name prefix
// ("access-") and the extension (".log").
func (lf *logFile) parts() (dir, prefix, ext string) {
	dir = filepath.Dir(lf.path)
	base := filepath.Base(lf.path)
	ext = filepath.Ext(base)
	return dir, strings.TrimSuffix(base, ext) + "-", ext
}

type backup struct {
	path string
	when time.Time
	seq  int
}

// backups lists the rotated copies of this file, oldest first.
func (lf *logFile) backups() ([]backup, error) {
	dir, prefix, ext := lf.parts()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []backup
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ext) {
			continue
		}
		mid := name[len(prefix) : len(name)-len(ext)]
		if len(mid) < len(backupLayout) {
			continue
		}
		when, err := time.Parse(backupLayout, mid[:len(backupLayout)])
		if err != nil {
			continue
		}
		seq := 0
		if rest := mid[len(backupLayout):]; rest != "" {
			if seq, err = strconv.Atoi(strings.TrimPrefix(rest, "-")); err != nil || rest[0] != '-' {
				continue
			}
		}
		out = append(out, backup{filepath.Join(dir, name), when, seq})
	}
	slices.SortFunc(out, func(a, b backup) int {
		return cmp.Or(a.when.Compare(b.when), cmp.Compare(a.seq, b.seq))
	})
	return out, nil
}

// prune removes backups beyond MaxBackups and older than MaxAge.
func (lf *logFile) prune() error {
	if lf.rotate.MaxBackups == 0 && lf.rotate.MaxAge == 0 {
		return nil
	}
	list, err := lf.backups()
	if err != nil {
		return err
	}
	var firstErr error
	cutoff := lf.now().Add(-lf.rotate.MaxAge)
	for i, b := range list {
		tooMany := lf.rotate.MaxBackups > 0 && i < len(list)-lf.rotate.MaxBackups
		tooOld := lf.rotate.MaxAge > 0 && b.when.Before(cutoff)
		if tooMany || tooOld {
			if err := os.Remove(b.path); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}
