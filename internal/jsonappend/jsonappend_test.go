package jsonappend

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

func TestFloatMatchesEncoder(t *testing.T) {
	cases := []float64{0, 1, -1, 25, 0.01, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-300, 1e20, 1e21, 1.5e300, 123456789012,
		math.MaxFloat64, math.SmallestNonzeroFloat64, -2.5e-9, 0.000123, 100.25}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		cases = append(cases, math.Float64frombits(rng.Uint64()))
	}
	for _, f := range cases {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := Float(nil, f); string(got) != string(want) {
			t.Fatalf("Float(%v) = %s, want %s", f, got, want)
		}
	}
}

// TestStringMatchesEncoder: String writes what jsontext.AppendQuote writes, and fails where
// it fails, for every byte in every position.
func TestStringMatchesEncoder(t *testing.T) {
	cases := []string{"", "plain", "a\"b", `back\slash`, "tab\t", "nl\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "<>&", "\xff", "a\xc3"}
	for c := range 256 {
		cases = append(cases, "ab"+string(rune(c))+"cd", "x"+string([]byte{byte(c)}))
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(4) > 0 {
				b[i] = byte(0x20 + rng.IntN(0x60))
			}
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, wantErr := jsontext.AppendQuote([]byte("x"), s)
		got, err := String([]byte("x"), s)
		if (err != nil) != (wantErr != nil) || (err == nil && string(got) != string(want)) {
			t.Fatalf("String(%q) = %s, %v; want %s, %v", s, got, err, want, wantErr)
		}
	}
}
