package sqlite

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

// journalCode is the i-th code minted at now, as the journal keeps it (times in ms, UTC).
func journalCode(i int, clientID string, now time.Time) store.LinkCode {
	id := make([]byte, 16)
	binary.BigEndian.PutUint64(id, uint64(now.UnixNano()+int64(i)))
	copy(id[8:], sum(fmt.Sprint("jid", i)))
	now = now.Truncate(time.Millisecond).UTC()
	return store.LinkCode{ID: id, Hash: sum(fmt.Sprint("jcode", i)), Kind: store.KindLink,
		ClientID: clientID, SubClientID: "", UserID: fmt.Sprint("user-", i), Options: []byte(fmt.Sprintf(`{"n":%d}`, i)),
		CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}
}

func TestJournalRecordRoundTrip(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name  string
		codes []store.LinkCode
	}{
		{"one code", []store.LinkCode{journalCode(1, "c", now)}},
		{"two codes with a sub-client", func() []store.LinkCode {
			a, b := journalCode(2, "c", now), journalCode(3, "c", now)
			a.SubClientID, b.SubClientID, b.Kind = "sub", "sub", store.KindPay
			return []store.LinkCode{a, b}
		}()},
		{"empty fields", []store.LinkCode{{ID: testCodeID("e"), Hash: []byte{}, Options: []byte{}, CreatedAt: time.UnixMilli(0).UTC(), ExpiresAt: time.UnixMilli(-5).UTC()}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := encodeJournalRecord(nil, 7, tc.codes)
			got, used, short := decodeJournal(nil, rec, 7)
			if used != len(rec) || !short {
				t.Fatalf("decode used %d of %d bytes (short %v)", used, len(rec), short)
			}
			if !reflect.DeepEqual(got, tc.codes) {
				t.Fatalf("decoded %+v\nwant    %+v", got, tc.codes)
			}
		})
	}
}

// TestJournalRecordsSplit: an append of many large codes is written as several records
// of bounded size, which read back as the same codes in order.
func TestJournalRecordsSplit(t *testing.T) {
	now := time.Now()
	var codes []store.LinkCode
	for i := range 300 {
		c := journalCode(i, "c", now)
		c.Options = bytes.Repeat([]byte{'x'}, 10<<10)
		codes = append(codes, c)
	}
	b := encodeJournalRecords(nil, 1, codes)
	records := 0
	for rest := b; len(rest) >= 8; records++ {
		n := int(binary.BigEndian.Uint32(rest))
		if n > journalRecordSize+16<<10 {
			t.Fatalf("record %d is %d bytes, over the %d bound", records, n, journalRecordSize)
		}
		rest = rest[8+n:]
	}
	got, used, _ := decodeJournal(nil, b, 1)
	if records < 3 || used != len(b) || !reflect.DeepEqual(got, codes) {
		t.Fatalf("%d records, decoded %d codes from %d of %d bytes", records, len(got), used, len(b))
	}
}

// TestJournalDecodeStops: the reader takes the whole records of the current generation
// and stops at the first that is cut, corrupt, or left from an older generation.
func TestJournalDecodeStops(t *testing.T) {
	now := time.Now()
	r1 := encodeJournalRecord(nil, 3, []store.LinkCode{journalCode(1, "c", now)})
	r2 := encodeJournalRecord(nil, 3, []store.LinkCode{journalCode(2, "c", now)})
	old := encodeJournalRecord(nil, 2, []store.LinkCode{journalCode(3, "c", now)})
	corrupt := bytes.Clone(r2)
	corrupt[len(corrupt)-1] ^= 1
	tests := []struct {
		name      string
		b         []byte
		wantCodes int
		wantUsed  int
		wantShort bool
	}{
		{"two records", cat(r1, r2), 2, len(r1) + len(r2), true},
		{"cut record", cat(r1, r2[:len(r2)-3]), 1, len(r1), true},
		{"cut header", cat(r1, r2[:5]), 1, len(r1), true},
		{"corrupt record", cat(r1, corrupt, r1), 1, len(r1), false},
		{"older generation after the end", cat(r1, old), 1, len(r1), false},
		{"zeros after the end", cat(r1, make([]byte, 64)), 1, len(r1), false},
		{"huge length", cat(r1, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}), 1, len(r1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			codes, used, short := decodeJournal(nil, tc.b, 3)
			if len(codes) != tc.wantCodes || used != tc.wantUsed || short != tc.wantShort {
				t.Fatalf("decode: %d codes, %d bytes, short %v; want %d, %d, %v", len(codes), used, short, tc.wantCodes, tc.wantUsed, tc.wantShort)
			}
		})
	}
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// FuzzJournalDecode: no input makes the decoder panic or claim more bytes than it has.
func FuzzJournalDecode(f *testing.F) {
	f.Add(encodeJournalRecord(nil, 1, []store.LinkCode{journalCode(1, "c", time.Now())}))
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, used, _ := decodeJournal(nil, b, 1)
		if used < 0 || used > len(b) {
			t.Fatalf("used %d of %d", used, len(b))
		}
	})
}

// writeJournal leaves records in the journal of the database in dir as a serving process
// that was killed after answering would (nothing applied).
func writeJournal(t *testing.T, dir string, codes ...[]store.LinkCode) {
	t.Helper()
	j, err := openJournal(journalPath(filepath.Join(dir, FileName)), false)
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	if _, err := j.unapplied(); err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		if _, err := j.append(c); err != nil {
			t.Fatal(err)
		}
	}
}

func countCodes(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRow(`SELECT count(*) FROM link_codes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestJournalRecovery: codes answered by a process that died before applying them are in
// the database once it is opened again, whether by the next `linkd serve` or by a client
// command; a torn last record (a write cut by a power loss) is dropped.
func TestJournalRecovery(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(t.Context(), dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			now := time.Now()
			writeJournal(t, dir, []store.LinkCode{journalCode(1, "c", now), journalCode(2, "c", now)}, []store.LinkCode{journalCode(3, "c", now)})
			// A torn record after them.
			f, err := os.OpenFile(journalPath(filepath.Join(dir, FileName)), os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := f.Stat()
			j, _ := readJournalHeader(f)
			torn := encodeJournalRecord(nil, j.gen, []store.LinkCode{journalCode(4, "c", now)})
			f.WriteAt(torn[:len(torn)-2], st.Size())
			f.Close()

			s, err = Open(t.Context(), dir, Options{Shared: shared})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if n := countCodes(t, s); n != 3 || s.Recovered() != 3 {
				t.Fatalf("%d codes after recovery (Recovered %d), want 3", n, s.Recovered())
			}
			// The journal starts over: opening again applies nothing twice and finds nothing.
			s.Close()
			s, err = Open(t.Context(), dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if n := countCodes(t, s); n != 3 {
				t.Fatalf("%d codes after a second open, want 3", n)
			}
		})
	}
}

// TestJournalOneServer: a second store that would serve the database is refused while the
// first runs (ErrInUse); a shared one is not.
func TestJournalOneServer(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(t.Context(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), dir, Options{}); !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v, want ErrInUse", err)
	}
	b, err := Open(t.Context(), dir, Options{Shared: true})
	if err != nil {
		t.Fatalf("shared Open: %v", err)
	}
	if err := b.CreateCodes(t.Context(), journalCode(1, "c", time.Now())); err == nil {
		t.Error("CreateCodes on a shared store succeeded; the serving process issues codes")
	}
	b.Close()
	a.Close()
	c, err := Open(t.Context(), dir, Options{})
	if err != nil {
		t.Fatalf("Open after the first closed: %v", err)
	}
	c.Close()
}

// TestJournalSharedSeesUnapplied: a shared store (a client command beside linkd serve)
// redeems and revokes codes the serving store has answered for but not applied yet.
func TestJournalSharedSeesUnapplied(t *testing.T) {
	a, b, c, now := servingAndShared(t, Options{applyInterval: time.Hour})
	codes := []store.LinkCode{journalCode(1, c.ID, now), journalCode(2, c.ID, now), journalCode(3, c.ID, now)}
	for _, code := range codes {
		if err := a.CreateCodes(t.Context(), code); err != nil {
			t.Fatal(err)
		}
	}
	if n := countCodes(t, a); n != 0 {
		t.Fatalf("%d codes applied with an apply interval of an hour; the test needs them journaled only", n)
	}
	sess, err := b.Redeem(t.Context(), store.Redemption{CodeID: codes[0].ID, CodeHash: codes[0].Hash, SessionHash: sum("s1"),
		SessionExpiresAt: now.Add(time.Hour), Now: now})
	if err != nil || sess.UserID != codes[0].UserID {
		t.Fatalf("shared Redeem of a journaled code = %+v, %v", sess, err)
	}
	revoked, _, err := b.RevokeClientCodes(t.Context(), c.ID, now)
	if err != nil || revoked != 2 {
		t.Fatalf("shared RevokeClientCodes = %d, %v; want the 2 unredeemed codes", revoked, err)
	}
	// The serving store applies them later (INSERT OR IGNORE) without undoing either.
	_, err = a.Redeem(t.Context(), store.Redemption{CodeID: codes[1].ID, CodeHash: codes[1].Hash, SessionHash: sum("s2"),
		SessionExpiresAt: now.Add(time.Hour), Now: now})
	if !errors.Is(err, store.ErrRevoked) {
		t.Fatalf("Redeem of a revoked code on the serving store = %v, want ErrRevoked", err)
	}
	_, err = a.Redeem(t.Context(), store.Redemption{CodeID: codes[0].ID, CodeHash: codes[0].Hash, SessionHash: sum("s3"),
		SessionExpiresAt: now.Add(time.Hour), Now: now})
	if !errors.Is(err, store.ErrAlreadyUsed) {
		t.Fatalf("second Redeem on the serving store = %v, want ErrAlreadyUsed", err)
	}
}

// TestJournalStartsOver: once the journal passes its limit it starts over at its header,
// under load, without losing or repeating a code; and a clean Close leaves it empty.
func TestJournalStartsOver(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), dir, Options{journalLimit: 4 << 10, applyInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c := store.Client{ID: "9d1e7c52-6f1e-4a57-9a43-2f7e7f1d1c03", Name: "x", Enabled: true, CreatedAt: now}
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	const n = 3000
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				if err := s.CreateCodes(context.Background(), journalCode(i, c.ID, now)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	f, err := os.Open(journalPath(s.Path()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := readJournalHeader(f)
	if err != nil {
		t.Fatal(err)
	}
	if h.gen < 5 {
		t.Errorf("journal generation %d after %d codes with a 4 KiB limit: it did not start over", h.gen, n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	h, _ = readJournalHeader(f)
	if codes, _, _ := readJournalRecords(f, h.applied, h.gen); len(codes) != 0 || h.applied != journalHeader {
		t.Errorf("after Close the journal holds %d codes from offset %d, want none", len(codes), h.applied)
	}
	s, err = Open(t.Context(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := countCodes(t, s); got != n {
		t.Fatalf("%d codes in the database, want %d", got, n)
	}
}
