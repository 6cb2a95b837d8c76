//go:build linux

package browse

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readDir reads the folder f in one pass, in rounds: getdents(2) fills a
// buffer with raw entries, then statx(2) relative to the folder's
// descriptor lstats each name straight from the buffer (no string, C
// string or os.FileInfo made per entry). The stats are most of a
// listing's cost, so a large round is shared by up to workers goroutines,
// this one included once it has read the next round: rounds keep the
// hand-offs between goroutines few (each costs a wakeup), and the
// memory bounded.
//
// Confinement: the names come from getdents, so each is one component
// without "/", and AT_SYMLINK_NOFOLLOW reports a symlink instead of
// following it; a stat relative to a folder opened through an os.Root
// cannot leave it.
func readDir(f *os.File, sc *readScratch, workers int, fn readDirFunc) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return readDirPortable(f, fn)
	}
	var opErr error
	err = rc.Control(func(fd uintptr) {
		opErr = (&dirReader{fd: int(fd), name: f.Name()}).run(sc, max(workers, 1), fn)
	})
	if err != nil {
		return err
	}
	return opErr
}

const (
	// roundSize is the buffer one round's getdents calls fill: about
	// 1,300 entries with ordinary names.
	roundSize = 64 << 10
	// direntMax is the largest linux_dirent64 (a 255-byte name, padded):
	// getdents fails with EINVAL when less room than the next entry is left.
	direntMax = 280
	// parallelStatMin is the number of entries from which a round is
	// shared among goroutines; below it a goroutine costs more than it saves.
	parallelStatMin = 128
	// statBlock is how many entries a goroutine takes at a time from a
	// shared round: small enough that all finish together.
	statBlock = 32
)

type dirReader struct {
	fd   int
	name string

	mu       sync.Mutex
	panicked any // the first panic of a helper goroutine, raised again by run
}

// readScratch is readDir's memory, reused from one listing to the next.
type readScratch struct {
	rounds [2]*round
	sts    []chunkStatter
}

// round is one buffer of raw entries.
type round struct {
	buf  []byte
	n    int
	eof  bool  // the folder ends after these entries
	recs []int // offsets of the entries' records in buf
	next atomic.Int64
}

func (r *dirReader) run(sc *readScratch, workers int, fn readDirFunc) error {
	for len(sc.sts) < workers {
		sc.sts = append(sc.sts, chunkStatter{})
	}
	sts := sc.sts
	for i, rd := range sc.rounds {
		if rd == nil {
			sc.rounds[i] = &round{}
		}
	}
	cur, ahead := sc.rounds[0], sc.rounds[1]
	if cur.buf == nil {
		cur.buf = make([]byte, roundSize)
	}
	if err := r.fill(cur); err != nil {
		return err
	}
	for {
		parts := min(workers, len(cur.recs)/(parallelStatMin/2))
		if parts < 2 {
			sts[0].stat(r.fd, cur, 0, fn)
			if cur.eof {
				return nil
			}
			if err := r.fill(cur); err != nil {
				return err
			}
			continue
		}
		var wg sync.WaitGroup
		for w := 1; w < parts; w++ {
			wg.Go(func() {
				defer r.recoverPanic()
				sts[w].stat(r.fd, cur, w, fn)
			})
		}
		// Read the next round while the helpers stat this one, then help.
		var err error
		if !cur.eof {
			if ahead.buf == nil {
				ahead.buf = make([]byte, roundSize)
			}
			err = r.fill(ahead)
		}
		sts[0].stat(r.fd, cur, 0, fn)
		wg.Wait()
		if r.panicked != nil {
			panic(r.panicked) // on the request's goroutine, where net/http recovers it
		}
		if err != nil || cur.eof {
			return err
		}
		cur, ahead = ahead, cur
	}
}

// fill reads entries into rd's buffer until it is nearly full or the
// folder ends, and indexes them.
func (r *dirReader) fill(rd *round) error {
	rd.n, rd.eof = 0, false
	rd.next.Store(0)
	for len(rd.buf)-rd.n >= direntMax {
		k, err := unix.Getdents(r.fd, rd.buf[rd.n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "getdents", Path: r.name, Err: err}
		}
		if k <= 0 {
			rd.eof = true
			break
		}
		rd.n += k
	}
	rd.recs = indexDirents(rd.buf[:rd.n], rd.recs[:0])
	return nil
}

func (r *dirReader) recoverPanic() {
	if p := recover(); p != nil {
		r.mu.Lock()
		if r.panicked == nil {
			r.panicked = p
		}
		r.mu.Unlock()
	}
}

// Offsets in a struct linux_dirent64.
const (
	direntIno    = 0
	direntReclen = 16
	direntName   = 19
)

// indexDirents appends to recs the offset of each linux_dirent64 record in
// buf that names an entry (not ".", "..", or a deleted slot).
func indexDirents(buf []byte, recs []int) []int {
	for off := 0; len(buf)-off > direntName; {
		rec := buf[off:]
		reclen := int(binary.NativeEndian.Uint16(rec[direntReclen:]))
		if reclen <= direntName || reclen > len(rec) {
			break // malformed: the kernel never writes this
		}
		name := rec[direntName:reclen]
		if n := bytes.IndexByte(name, 0); binary.NativeEndian.Uint64(rec[direntIno:]) != 0 && n > 0 &&
			!(n == 1 && name[0] == '.') && !(n == 2 && name[0] == '.' && name[1] == '.') {
			recs = append(recs, off)
		}
		off += reclen
	}
	return recs
}

// chunkStatter lstats entries for one worker, reusing its batch.
type chunkStatter struct {
	out     []dirent
	fstatat bool // statx is missing or refused (old kernel, seccomp): use fstatat
}

// stat lstats entries of rd relative to dirfd, taking statBlock at a
// time until none are left, and hands them to fn as worker w. Names alias
// rd's buffer.
func (s *chunkStatter) stat(dirfd int, rd *round, w int, fn readDirFunc) {
	s.out = s.out[:0]
	for {
		i := int(rd.next.Add(statBlock)) - statBlock
		if i >= len(rd.recs) {
			break
		}
		for _, off := range rd.recs[i:min(i+statBlock, len(rd.recs))] {
			name := rd.buf[off+direntName:]
			n := bytes.IndexByte(name, 0)
			if d, ok := s.lstat(dirfd, &name[0], n); ok {
				s.out = append(s.out, d)
			}
		}
	}
	if len(s.out) > 0 {
		fn(w, s.out)
	}
}

const statxMask = unix.STATX_TYPE | unix.STATX_MODE | unix.STATX_SIZE | unix.STATX_MTIME

// lstat stats the NUL-terminated name of length n in the folder dirfd.
// It reports false when the entry is gone since getdents.
func (s *chunkStatter) lstat(dirfd int, name *byte, n int) (dirent, bool) {
	if !s.fstatat {
		var st unix.Statx_t
		_, _, errno := syscall.Syscall6(unix.SYS_STATX, uintptr(dirfd), uintptr(unsafe.Pointer(name)),
			unix.AT_SYMLINK_NOFOLLOW, statxMask, uintptr(unsafe.Pointer(&st)), 0)
		switch errno {
		case 0:
			return dirent{name: unsafe.String(name, n), mode: modeOf(uint32(st.Mode)), size: int64(st.Size),
				mtime: st.Mtime.Sec*1e9 + int64(st.Mtime.Nsec)}, true
		case unix.ENOSYS, unix.EPERM:
			s.fstatat = true
		default:
			return dirent{}, false
		}
	}
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, unsafe.String(name, n), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return dirent{}, false
	}
	return dirent{name: unsafe.String(name, n), mode: modeOf(st.Mode), size: st.Size, mtime: st.Mtim.Nano()}, true
}

// modeOf converts stat's st_mode to an fs.FileMode, as os does.
func modeOf(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFREG:
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	default:
		mode |= fs.ModeIrregular
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
