package store

import (
	"encoding/binary"
	"errors"
)

// CodeKey splits a code id (LinkCode.ID: 16 bytes, the first 8 a big-endian, time-ordered
// integer) into the integer, which backends key link codes by, and the 8 bytes after it.
// ok is false for anything that cannot be such an id (wrong length, or an integer beyond
// a signed 64 bits), which no stored code has.
//
// A table keyed by a growing integer is what a B-tree appends to cheapest: each insert
// lands on the rightmost leaf.
func CodeKey(id []byte) (key int64, tail []byte, ok bool) {
	if len(id) != 16 || id[0]&0x80 != 0 {
		return 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(id)), id[8:16:16], true
}

// CodeID is CodeKey's inverse.
func CodeID(key int64, tail []byte) []byte {
	id := make([]byte, 16)
	binary.BigEndian.PutUint64(id, uint64(key))
	copy(id[8:], tail)
	return id
}

// IsOutcome reports whether err is one of the sentinel errors: a domain answer of the
// store ("not found", "already used", …), as opposed to a fault of the backend.
func IsOutcome(err error) bool {
	for _, e := range []error{ErrNotFound, ErrConflict, ErrExpired, ErrAlreadyUsed, ErrRevoked} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
