package linktoken

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestStoredOptionsRoundTrip: what appendJSON stores, decodeStored gives back, for
// hand-picked shapes and for random values of every field; and options stored whole by
// json.Marshal (the first format) decode the same.
func TestStoredOptionsRoundTrip(t *testing.T) {
	fee, zero := 0.01, 0.0
	s := "x"
	eth, _ := cat.NetworkRef(ethereum)
	cases := []Options{
		{},
		{UserID: "u", IntegrationID: "i", BrokerType: "b", RestrictMultipleAccounts: true, DisableAPIKeyGeneration: true, SubClientID: "s"},
		{Transfer: &Transfer{}},
		{Transfer: &Transfer{ToAddresses: []Destination{}, GoodsDetails: []GoodsDetails{}, ClientFee: &zero}},
		{Transfer: &Transfer{ToAddresses: []Destination{{NetworkID: ethereum, NetworkName: eth.DisplayName, NetworkType: eth.NetworkType, Amount: 25, AddressTag: "t"}, {}},
			ClientFee: &fee, GoodsDetails: []GoodsDetails{{}, {GoodsType: &s, GoodsName: &s}}, AmountInFiat: 1e-7, Description: `"<&>"`}},
		{VerifyWallet: &VerifyWallet{}},
		{VerifyWallet: &VerifyWallet{Message: "m", VerificationMethods: []string{"signedMessage"}, Addresses: []string{}, NetworkID: "n", NetworkType: "evm"}},
	}
	networks := cat.Networks()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		var o Options
		fillRandom(reflect.ValueOf(&o).Elem(), rng)
		// Destinations name catalog networks (or none), as validated options do.
		if o.Transfer != nil {
			for i := range o.Transfer.ToAddresses {
				d := &o.Transfer.ToAddresses[i]
				d.NetworkID, d.NetworkName, d.NetworkType = "", "", ""
				if rng.IntN(4) > 0 {
					n := networks[rng.IntN(len(networks))]
					d.NetworkID, d.NetworkName, d.NetworkType = n.ID, n.DisplayName, n.NetworkType
				}
			}
		}
		cases = append(cases, o)
	}
	full := 0
	for i, o := range cases {
		stored, err := o.appendJSON(nil)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		got, err := decodeStored(stored, cat)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, stored)
		}
		// nil and empty lists are the same to every reader (both are [] in JSON).
		if diff := cmp.Diff(o, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("case %d does not round-trip (-want +got):\n%s\nstored: %s", i, diff, stored)
		}
		old, err := json.Marshal(&o)
		if err != nil {
			t.Fatal(err)
		}
		if got, err = decodeStored(old, cat); err != nil || !cmp.Equal(o, got, cmpopts.EquateEmpty()) {
			t.Fatalf("case %d: the first format does not decode the same (%v)", i, err)
		}
		full += len(old) - len(stored)
	}
	if full <= 0 {
		t.Errorf("the stored form is not smaller than json.Marshal's")
	}
	if _, err := (&Options{UserID: "\xff"}).appendJSON(nil); err == nil {
		t.Error("invalid UTF-8 was encoded without an error")
	}
}

// fillRandom sets every field reachable from v (a settable struct, pointer, slice, string,
// bool or float64) to a random value: nil or not, empty or not, zero or not, with strings
// that need escaping. It walks the type by reflection so that a field added later is
// covered without changing the test.
func fillRandom(v reflect.Value, rng *rand.Rand) {
	strs := []string{"", "a", "USDC", `q"b\s`, "<&>", "é日本🙂", "\u2028\x01\t", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}
	floats := []float64{0, 1, 25, 0.01, 1e-7, 1e21, 123456.789, math.MaxFloat64}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fillRandom(v.Field(i), rng)
		}
	case reflect.Pointer:
		if rng.IntN(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			fillRandom(v.Elem(), rng)
		}
	case reflect.Slice:
		if rng.IntN(4) > 0 {
			n := rng.IntN(4)
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				fillRandom(v.Index(i), rng)
			}
		}
	case reflect.String:
		v.SetString(strs[rng.IntN(len(strs))])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Float64:
		f := floats[rng.IntN(len(floats))]
		if rng.IntN(4) == 0 {
			f = rng.NormFloat64() * 1e6
		}
		v.SetFloat(f)
	default:
		panic("fillRandom: add a case for " + v.Type().String())
	}
}
