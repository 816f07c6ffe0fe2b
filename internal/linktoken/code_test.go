package linktoken

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// TestCodes: docs/threat-model.md T1 — 256 bits of secret, no duplicates over many codes; the id
// is increasing (insert order); parsing gives back the id and the secret's hash.
func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	var last []byte
	for range 100_000 {
		text, id, hash := NewCode()
		if seen[text] {
			t.Fatal("duplicate code")
		}
		seen[text] = true
		if last != nil && bytes.Compare(id, last) <= 0 {
			t.Fatalf("ids not increasing: %x after %x", id, last)
		}
		last = id
		gotID, gotHash, ok := ParseCode(text)
		if !ok || !bytes.Equal(gotID, id) || !bytes.Equal(gotHash, hash) {
			t.Fatalf("ParseCode(%q) = %x %x %v", text, gotID, gotHash, ok)
		}
	}
	text, _, hash := NewCode()
	if len(text) != 64 || len(hash) != sha256.Size {
		t.Errorf("code %q (%d chars)", text, len(text))
	}
	for _, bad := range []string{"", text[:63], text + "A", text[:63] + "=", text[:63] + "/", "x"} {
		if _, _, ok := ParseCode(bad); ok {
			t.Errorf("ParseCode(%q) accepted", bad)
		}
	}
}
