package store

import (
	"encoding/binary"
	"errors"
	"time"
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
	for _, e := range []error{ErrNotFound, ErrConflict, ErrExpired, ErrAlreadyUsed, ErrRevoked, ErrTooManyActive} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// ActiveUntil is the Unix second until which a link token that expires at t counts
// against CreateCodesCapped's bound: t rounded up to the second, so that backends count
// tokens per second of expiry (a few rows per client, not one per code).
func ActiveUntil(t time.Time) int64 {
	s := t.Unix()
	if t.After(time.Unix(s, 0)) {
		s++
	}
	return s
}

// CappedRequest checks the codes of a CreateCodesCapped call and returns their client,
// when they were minted, the second until which they count (ActiveUntil of their expiry)
// and how many link tokens they are (their KindLink codes).
func CappedRequest(codes []LinkCode) (clientID string, now time.Time, until int64, tokens int, err error) {
	if len(codes) == 0 {
		return "", time.Time{}, 0, 0, errors.New("no codes")
	}
	c := codes[0]
	for _, o := range codes {
		if o.ClientID != c.ClientID {
			return "", time.Time{}, 0, 0, errors.New("the codes of one request belong to one client")
		}
		if o.Kind == KindLink {
			tokens++
		}
	}
	return c.ClientID, c.CreatedAt, ActiveUntil(c.ExpiresAt), tokens, nil
}

// CountState is the ActiveTokens of a count of held tokens whose seconds of expiry
// (Unix, as counted: ActiveUntil) range from oldest to newest.
func CountState(held int, oldest, newest int64) ActiveTokens {
	if held == 0 {
		return ActiveTokens{}
	}
	return ActiveTokens{Held: held, Oldest: time.Unix(oldest, 0).UTC(), Newest: time.Unix(newest, 0).UTC()}
}

// Add is a with n more tokens that stop counting at the Unix second until.
func (a ActiveTokens) Add(n int, until int64) ActiveTokens {
	at := time.Unix(until, 0).UTC()
	if a.Held == 0 || at.Before(a.Oldest) {
		a.Oldest = at
	}
	if a.Held == 0 || at.After(a.Newest) {
		a.Newest = at
	}
	a.Held += n
	return a
}
