//go:build linux

package browse

import (
	"io/fs"
	"os"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// readDir reads the folder f in batches: getdents(2) for the names, then
// fstatat(2) relative to the folder's descriptor for each, with no
// os.FileInfo allocated per entry, and spread over a few threads when the
// batch is large: on big folders the stats are most of a listing's cost.
// The names come from getdents and hold no "/", so fstatat cannot leave
// the folder. fn gets each batch; the slice is reused after fn returns.
func readDir(f *os.File, fn func([]dirent)) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return readDirPortable(f, fn)
	}
	var opErr error
	err = rc.Control(func(fd uintptr) {
		buf := make([]byte, 32<<10)
		var names []string
		var out []dirent
		for {
			n, err := unix.Getdents(int(fd), buf)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				opErr = &fs.PathError{Op: "getdents", Path: f.Name(), Err: err}
				return
			}
			if n <= 0 {
				return
			}
			names = names[:0]
			_, _, names = unix.ParseDirent(buf[:n], -1, names)
			if cap(out) < len(names) {
				out = make([]dirent, len(names))
			}
			out = out[:len(names)]
			statAll(int(fd), names, out)
			// Compact away entries that vanished since getdents.
			kept := out[:0]
			for _, d := range out {
				if d.name != "" {
					kept = append(kept, d)
				}
			}
			if len(kept) > 0 {
				fn(kept)
			}
		}
	})
	if err != nil {
		return err
	}
	return opErr
}

// parallelStatMin is the batch size from which stats are spread over
// several threads; below it a goroutine costs more than it saves.
const parallelStatMin = 256

// statAll lstats names in the folder dirfd into out; an entry that cannot
// be stat'ed gets an empty name.
func statAll(dirfd int, names []string, out []dirent) {
	workers := min(runtime.GOMAXPROCS(0), 4)
	if len(names) < parallelStatMin || workers < 2 {
		statRange(dirfd, names, out)
		return
	}
	var wg sync.WaitGroup
	chunk := (len(names) + workers - 1) / workers
	for lo := 0; lo < len(names); lo += chunk {
		hi := min(lo+chunk, len(names))
		wg.Go(func() { statRange(dirfd, names[lo:hi], out[lo:hi]) })
	}
	wg.Wait()
}

func statRange(dirfd int, names []string, out []dirent) {
	var st unix.Stat_t
	for i, name := range names {
		if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			out[i] = dirent{}
			continue
		}
		out[i] = dirent{name: name, mode: modeOf(st.Mode), size: st.Size, mtime: st.Mtim.Nano()}
	}
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
