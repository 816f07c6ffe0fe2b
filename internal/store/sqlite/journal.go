package sqlite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

// journal is the issuance journal of the process that serves the embedded database: the
// codes of every link-token request are appended to it, one write(2) per group commit,
// before the request is answered, and are applied to SQLite later in large transactions
// (see writer). A SQLite commit costs the same ~40 µs of page writes and locking whether
// it carries 9 codes or 500, and it sat on every request's path; an append costs a few.
//
// Durability is the same as a WAL commit with synchronous=normal: once write(2) returns,
// the codes survive a crash of the process (the OS holds the page); with synchronous=full
// every append is also synced (fsync), so they survive power loss. A process that opens the
// database applies what the journal holds (see recoverJournal) before serving.
//
// The file (the database's path + "-codes") is a 32-byte header — magic, generation,
// applied offset — then records:
//
//	uint32 length | uint32 CRC-32C of generation and payload | payload: uvarint count, codes
//
// A record is appended whole or, after a power loss, fails its checksum and ends the
// journal. The owner (the one process holding the file's exclusive lock: flock(2), or
// LockFileEx on Windows) writes the applied offset into the header after each apply, and
// once everything is applied and the journal has grown past journalLimit it starts over
// at the header under a new generation. The file keeps its size: appends then overwrite
// blocks the file system has already allocated, which costs a fraction of extending the
// file (as SQLite reuses its WAL), and what lies past the last record is an older
// generation's, which fails the checksum and ends the journal.
//
// Other processes (the `linkd client` commands) never take the lock; before each write
// transaction they read the records past the applied offset and insert them themselves
// (INSERT OR IGNORE: applying a code twice is harmless), so that revoking a client's
// tokens also reaches tokens the owner has not applied yet.
type journal struct {
	f    *os.File
	sync bool // fsync after each append

	mu  sync.Mutex // orders appends against truncation
	end int64      // where the next record goes
	gen uint64
	buf []byte // the appender's encoding scratch
}

const (
	journalSuffix = "-codes"
	journalMagic  = "LINKDCJ1"
	journalHeader = 32
	// journalLimit is the size from which the journal starts over once it is applied.
	journalLimit = 8 << 20
	// journalRecordSize is the size appends split their codes into records by;
	// journalMaxRecord bounds a record's length field, so that a corrupt length cannot make
	// a reader allocate gigabytes (a record is one code at most, whose options validation
	// bounds to well under a megabyte, when it is larger than journalRecordSize).
	journalRecordSize = 1 << 20
	journalMaxRecord  = 64 << 20
)

// errJournalLocked means another process owns the journal: another `linkd serve` runs on
// the same embedded database.
var errJournalLocked = errors.New("sqlite: the database is served by another process")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// openJournal opens the journal at path, creating it if needed, and takes its lock
// without waiting (errJournalLocked if another process holds it). Its owner applies what
// it holds (recoverJournal) before appending.
func openJournal(path string, sync bool) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open journal: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errJournalLocked) {
			return nil, err
		}
		return nil, fmt.Errorf("sqlite: lock journal: %w", err)
	}
	j := &journal{f: f, sync: sync}
	h, err := readJournalHeader(f)
	switch {
	case errors.Is(err, io.EOF): // new (or emptied before its header was written)
		if err := j.reset(1); err != nil {
			f.Close()
			return nil, err
		}
	case err != nil:
		f.Close()
		return nil, err
	default: // unapplied finds the end
		j.gen, j.end = h.gen, h.applied
	}
	return j, nil
}

type journalHeaderFields struct {
	gen     uint64
	applied int64
}

// readJournalHeader reads the header of f; io.EOF if the file is shorter than a header.
func readJournalHeader(f *os.File) (journalHeaderFields, error) {
	var b [journalHeader]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		if errors.Is(err, io.EOF) {
			return journalHeaderFields{}, io.EOF
		}
		return journalHeaderFields{}, fmt.Errorf("sqlite: read journal: %w", err)
	}
	if string(b[:8]) != journalMagic {
		return journalHeaderFields{}, fmt.Errorf("sqlite: %s is not a linkd code journal", f.Name())
	}
	h := journalHeaderFields{gen: binary.BigEndian.Uint64(b[8:]), applied: int64(binary.BigEndian.Uint64(b[16:]))}
	if h.applied < journalHeader {
		h.applied = journalHeader
	}
	return h, nil
}

// unapplied reads the codes appended after the header's applied offset (recovery), and
// sets the end of the journal after them.
func (j *journal) unapplied() ([]store.LinkCode, error) {
	h, err := readJournalHeader(j.f)
	if err != nil {
		return nil, err
	}
	codes, end, err := readJournalRecords(j.f, h.applied, h.gen)
	j.end = end
	return codes, err
}

// readJournalRecords decodes the records of generation gen from offset from of f,
// stopping at the first one that is incomplete or fails its checksum (the end of what
// was written).
func readJournalRecords(f *os.File, from int64, gen uint64) (codes []store.LinkCode, end int64, err error) {
	const chunk = 256 << 10
	var b []byte
	end = from
	for {
		start := len(b)
		b = append(b, make([]byte, chunk)...)
		n, err := f.ReadAt(b[start:], end+int64(start))
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, from, fmt.Errorf("sqlite: read journal: %w", err)
		}
		b = b[:start+n]
		more, used, short := decodeJournal(codes, b, gen)
		codes, end, b = more, end+int64(used), b[used:]
		if !short || n < chunk {
			return codes, end, nil
		}
		// The last record continues past what was read (its codes alias the old b).
		b = append([]byte(nil), b...)
	}
}

// readJournalTail returns the codes of the journal at path that its owner has not applied
// yet, for a process that does not own it. It retries if the owner truncates the journal
// meanwhile (a new generation: what was pending then has been applied).
func readJournalTail(path string) ([]store.LinkCode, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: open journal: %w", err)
	}
	defer f.Close()
	for attempt := 0; ; attempt++ {
		h, err := readJournalHeader(f)
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		codes, _, err := readJournalRecords(f, h.applied, h.gen)
		if err != nil {
			return nil, err
		}
		h2, err := readJournalHeader(f)
		if err == nil && h2.gen == h.gen {
			return codes, nil
		}
		if attempt == 3 {
			return nil, errors.New("sqlite: the code journal keeps changing under its reader")
		}
	}
}

// append writes codes as one record and returns the offset after it. The codes are
// durable (as the journal's doc says) when it returns without error.
func (j *journal) append(codes []store.LinkCode) (int64, error) {
	j.mu.Lock()
	j.buf = encodeJournalRecords(j.buf[:0], j.gen, codes)
	defer j.mu.Unlock()
	if _, err := j.f.WriteAt(j.buf, j.end); err != nil {
		// A short write leaves a torn record, which readers skip; the next append
		// overwrites it.
		return 0, fmt.Errorf("sqlite: append to journal: %w", err)
	}
	if j.sync {
		if err := j.f.Sync(); err != nil {
			return 0, fmt.Errorf("sqlite: sync journal: %w", err)
		}
	}
	j.end += int64(len(j.buf))
	return j.end, nil
}

// markApplied records in the header that everything before off is in SQLite (committed),
// so that recovery and other processes read only what follows.
func (j *journal) markApplied(off int64) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(off))
	if _, err := j.f.WriteAt(b[:], 16); err != nil {
		return fmt.Errorf("sqlite: journal: %w", err)
	}
	return nil
}

// reset empties the journal: the next record goes after the header, under a new
// generation. Everything in it must be applied.
func (j *journal) reset(gen uint64) error {
	var b [journalHeader]byte
	copy(b[:], journalMagic)
	binary.BigEndian.PutUint64(b[8:], gen)
	binary.BigEndian.PutUint64(b[16:], journalHeader)
	if _, err := j.f.WriteAt(b[:], 0); err != nil {
		return fmt.Errorf("sqlite: journal: %w", err)
	}
	if j.sync {
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("sqlite: sync journal: %w", err)
		}
	}
	j.gen, j.end = gen, journalHeader
	return nil
}

// close releases the lock (with the file).
func (j *journal) close() error { return j.f.Close() }

// encodeJournalRecords appends codes to b as records (in generation gen) of at most
// journalRecordSize bytes each, unless one code alone is larger.
func encodeJournalRecords(b []byte, gen uint64, codes []store.LinkCode) []byte {
	for len(codes) > 0 {
		n, size := 0, 0
		for n < len(codes) {
			c := &codes[n]
			sz := len(c.ID) + len(c.Hash) + len(c.Kind) + len(c.ClientID) + len(c.SubClientID) + len(c.UserID) + len(c.Options) + 48
			if n > 0 && size+sz > journalRecordSize {
				break
			}
			n, size = n+1, size+sz
		}
		b = encodeJournalRecord(b, gen, codes[:n])
		codes = codes[n:]
	}
	return b
}

// encodeJournalRecord appends the record of codes, in generation gen, to b.
func encodeJournalRecord(b []byte, gen uint64, codes []store.LinkCode) []byte {
	start := len(b)
	b = append(b, make([]byte, 8)...)
	b = binary.AppendUvarint(b, uint64(len(codes)))
	for i := range codes {
		c := &codes[i]
		b = appendField(b, c.ID)
		b = appendField(b, c.Hash)
		b = appendField(b, c.Kind)
		b = appendField(b, c.ClientID)
		b = appendField(b, c.SubClientID)
		b = appendField(b, c.UserID)
		b = appendField(b, c.Options)
		b = binary.AppendVarint(b, ms(c.CreatedAt))
		b = binary.AppendVarint(b, ms(c.ExpiresAt))
	}
	payload := b[start+8:]
	binary.BigEndian.PutUint32(b[start:], uint32(len(payload)))
	binary.BigEndian.PutUint32(b[start+4:], journalCRC(gen, payload))
	return b
}

// journalCRC is a record's checksum: over its generation too, so that a record left from
// an older generation does not pass for one of the current.
func journalCRC(gen uint64, payload []byte) uint32 {
	var g [8]byte
	binary.BigEndian.PutUint64(g[:], gen)
	return crc32.Update(crc32.Checksum(g[:], crcTable), crcTable, payload)
}

func appendField[T string | []byte](b []byte, v T) []byte {
	return append(binary.AppendUvarint(b, uint64(len(v))), v...)
}

// decodeJournal appends to codes those of the whole records of generation gen at the
// start of b (their byte slices alias b), and returns how many bytes the records took.
// It stops at the first record that fails its checksum or does not parse, or, short, at
// the end of b (which may cut a record).
func decodeJournal(codes []store.LinkCode, b []byte, gen uint64) (_ []store.LinkCode, used int, short bool) {
	for {
		if len(b)-used < 8 {
			return codes, used, true
		}
		n := int(binary.BigEndian.Uint32(b[used:]))
		if n > journalMaxRecord {
			return codes, used, false
		}
		if len(b)-used-8 < n {
			return codes, used, true
		}
		payload := b[used+8 : used+8+n]
		if journalCRC(gen, payload) != binary.BigEndian.Uint32(b[used+4:]) {
			return codes, used, false
		}
		more, ok := decodeJournalPayload(codes, payload)
		if !ok {
			return codes, used, false
		}
		codes, used = more, used+8+n
	}
}

func decodeJournalPayload(codes []store.LinkCode, p []byte) ([]store.LinkCode, bool) {
	d := journalDecoder{b: p}
	count := d.uvarint()
	if d.bad || count > uint64(len(p)) {
		return codes, false
	}
	for range count {
		c := store.LinkCode{ID: d.bytes(), Hash: d.bytes(), Kind: string(d.bytes()), ClientID: string(d.bytes()),
			SubClientID: string(d.bytes()), UserID: string(d.bytes()), Options: d.bytes()}
		c.CreatedAt, c.ExpiresAt = fromMS(d.varint()), fromMS(d.varint())
		if d.bad {
			return codes, false
		}
		codes = append(codes, c)
	}
	return codes, !d.bad && len(d.b) == 0
}

type journalDecoder struct {
	b   []byte
	bad bool
}

func (d *journalDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *journalDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *journalDecoder) bytes() []byte {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// journalPath is the journal of the database file at path.
func journalPath(path string) string { return path + journalSuffix }

// applyInterval is how long journaled codes may wait before the owner applies them to
// SQLite; applyBatch applies them sooner once that many have gathered.
const (
	applyInterval = 20 * time.Millisecond
	applyBatch    = 1024
)
