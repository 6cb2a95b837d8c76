//go:build linux

package browse

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readDir reads the folder f in one pass, in rounds: getdents(2) fills a
// buffer with raw entries, a few kilobytes per call, and statx(2)
// relative to the folder's descriptor lstats each name straight from the
// buffer (no string, C string or os.FileInfo made per entry). The stats
// are most of a listing's cost, so as soon as a round's first call has
// returned entries, up to workers-1 helper goroutines start on them while
// this one reads the rest of the round, then joins them. Rounds keep the
// hand-offs between goroutines few (each costs a wakeup), and the memory
// bounded.
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
	// roundSize is the buffer of a round: about 1,300 entries with
	// ordinary names.
	roundSize = 64 << 10
	// readSize is what one getdents call may fill: the helpers start
	// after the first.
	readSize = 8 << 10
	// direntMax is the largest linux_dirent64 (a 255-byte name, padded):
	// getdents fails with EINVAL when less room than the next entry is left.
	direntMax = 280
	// direntMin is the smallest (a one-byte name): a round holds at most
	// roundSize/direntMin entries.
	direntMin = 24
	// statBlock is how many entries a goroutine takes at a time from a
	// round: small enough that all finish together.
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
	round *round
	sts   []chunkStatter
}

// round is a buffer of raw entries, filled by the reading goroutine while
// helpers stat the entries it has published.
type round struct {
	buf  []byte
	n    int   // bytes of buf filled
	eof  bool  // the folder ends after these entries
	recs []int // offsets of the entries' records in buf; never reallocated

	avail  atomic.Int64 // how many of recs the statters may take
	sealed atomic.Bool  // set after the last avail of the round
	next   atomic.Int64 // the first entry no statter has taken
}

func (r *dirReader) run(sc *readScratch, workers int, fn readDirFunc) error {
	for len(sc.sts) < workers {
		sc.sts = append(sc.sts, chunkStatter{})
	}
	sts := sc.sts
	if sc.round == nil {
		sc.round = &round{buf: make([]byte, roundSize), recs: make([]int, 0, roundSize/direntMin+1)}
	}
	rd := sc.round
	for {
		rd.n, rd.eof, rd.recs = 0, false, rd.recs[:0]
		rd.avail.Store(0)
		rd.sealed.Store(false)
		rd.next.Store(0)
		recs := rd.recs[:cap(rd.recs)] // what the helpers read, up to avail
		more, err := r.read(rd)
		var wg sync.WaitGroup
		if more && err == nil && rd.n >= readSize/2 {
			// The call filled its part of the buffer, so more is likely
			// coming (a folder that fits in one call is listed here, with
			// no goroutine): start the helpers on what there is.
			for w := 1; w < workers; w++ {
				wg.Go(func() {
					defer r.recoverPanic()
					sts[w].stat(r.fd, rd, recs, w, fn)
				})
			}
		}
		for more && err == nil && len(rd.buf)-rd.n >= direntMax {
			more, err = r.read(rd)
		}
		rd.sealed.Store(true)
		sts[0].stat(r.fd, rd, recs, 0, fn)
		wg.Wait()
		if r.panicked != nil {
			panic(r.panicked) // on the request's goroutine, where net/http recovers it
		}
		if err != nil || rd.eof {
			return err
		}
	}
}

// read makes one getdents call into the free part of rd's buffer, at most
// readSize bytes, and publishes the entries it returned. It reports false
// at the end of the folder.
func (r *dirReader) read(rd *round) (bool, error) {
	end := min(rd.n+readSize, len(rd.buf))
	for {
		k, err := unix.Getdents(r.fd, rd.buf[rd.n:end])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false, &fs.PathError{Op: "getdents", Path: r.name, Err: err}
		}
		if k <= 0 {
			rd.eof = true
			return false, nil
		}
		rd.recs = indexDirents(rd.buf[:rd.n+k], rd.n, rd.recs)
		rd.n += k
		rd.avail.Store(int64(len(rd.recs)))
		return true, nil
	}
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
// buf from offset from on that names an entry (not ".", "..", or a
// deleted slot).
func indexDirents(buf []byte, from int, recs []int) []int {
	for off := from; len(buf)-off > direntName; {
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
// time until the round is sealed and none are left, and hands them to fn
// as worker w. recs is rd.recs at full capacity, read only below avail.
// Names alias rd's buffer.
func (s *chunkStatter) stat(dirfd int, rd *round, recs []int, w int, fn readDirFunc) {
	s.out = s.out[:0]
	for done := false; !done; {
		i := int(rd.next.Add(statBlock)) - statBlock
		for end := i + statBlock; i < end; {
			if avail := int(rd.avail.Load()); i < avail {
				for _, off := range recs[i:min(end, avail)] {
					name := rd.buf[off+direntName:]
					n := bytes.IndexByte(name, 0)
					if d, ok := s.lstat(dirfd, &name[0], n); ok {
						s.out = append(s.out, d)
					}
				}
				i = min(end, avail)
				continue
			}
			if rd.sealed.Load() {
				// Sealed after its last avail: read avail again.
				if i >= int(rd.avail.Load()) {
					done = true
					break
				}
				continue
			}
			// Ahead of the reader, which reads faster than a stat takes:
			// this is rare and short.
			runtime.Gosched()
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
