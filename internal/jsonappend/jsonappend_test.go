package jsonappend

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/go-json-experiment/json"
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
