//go:build unix

package sqlite

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f without waiting (flock(2), LOCK_EX|LOCK_NB);
// errJournalLocked if another process holds it. The lock goes with the file's closing or
// the process's end, a crash included.
func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errJournalLocked
	}
	return err
}
