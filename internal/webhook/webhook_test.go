package webhook

import (
	"bytes"
	"context"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\ngot  %s\nwant %s", name, got, want)
	}
}

// goldenTransfer and goldenEvent are the fixed transfer and event of the golden body.
var (
	goldenAt       = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	goldenTransfer = store.Transfer{
		ID: "0b8f1e4e-5b0c-4b5e-9a47-6d4f3d1f2a10", ClientID: "5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f", UserID: "user-1234",
		ClientTransactionID: "order-17", Status: store.TransferSucceeded, Amount: 25, AmountToReceive: 25, SourceAmount: 25.275,
		AmountInFiat: 25, Symbol: "USDC", NetworkName: "Ethereum", Hash: "0x8f2b4e6a0c1d3f5b7a9e2c4d6f8a0b1c3e5d7f9a2b4c6d8e0f1a3b5c7d9e1f20",
		DestinationAddress: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", IntegrationType: "sandbox", IntegrationName: "Sandbox",
	}
	goldenEvent = store.TransferEvent{ID: "3c1f9a7e-2d4b-4e6f-8a0c-1b3d5f7a9c2e", TransferID: goldenTransfer.ID,
		ClientID: goldenTransfer.ClientID, Status: store.TransferSucceeded, At: goldenAt.Add(5 * time.Second)}
	goldenSecret = "whsec_goldenSecretForTheWireFormatTestOnly0000"
)

// TestEventBodyGolden: the body of a delivery is a wire format (Mesh's webhook model,
// camelCase, times in milliseconds, nulls where there is nothing), and its signature is
// HMAC-SHA256 over exactly those bytes, in base64.
func TestEventBodyGolden(t *testing.T) {
	body, err := NewEvent(goldenEvent, goldenTransfer, "9d2c4e6a-8b0f-4a1c-9e3d-5f7a9b1c3d5e", goldenAt.Add(6*time.Second)).Body()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "event.golden.json", append(body, '\n'))
	golden(t, "event.signature.golden", []byte(Sign(goldenSecret, body)+"\n"))
	// A pending event of a transfer without hash or transaction id.
	bare := goldenTransfer
	bare.ClientTransactionID, bare.Hash = "", ""
	ev := goldenEvent
	ev.Status, ev.At = store.TransferPending, goldenAt
	body, err = NewEvent(ev, bare, "9d2c4e6a-8b0f-4a1c-9e3d-5f7a9b1c3d5f", goldenAt).Body()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "event_pending.golden.json", append(body, '\n'))
}

func TestVerify(t *testing.T) {
	body := []byte(`{"eventId":"x"}`)
	sig := Sign("whsec_a", body)
	cases := []struct {
		name, secret, sig string
		body              []byte
		want              bool
	}{
		{"right", "whsec_a", sig, body, true},
		{"other secret", "whsec_b", sig, body, false},
		{"one byte more", "whsec_a", sig, append(body, ' '), false},
		{"re-encoded body", "whsec_a", sig, []byte(`{"eventId": "x"}`), false},
		{"not base64", "whsec_a", "%%%", body, false},
		{"empty", "whsec_a", "", body, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Verify(tc.secret, tc.body, tc.sig); got != tc.want {
				t.Errorf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSealer(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "secret.key")
	if _, err := LoadKeyFile(path, false); err == nil || !strings.Contains(err.Error(), "--secret-key-file") {
		t.Fatalf("LoadKeyFile(missing, no create) = %v, want an error naming the flag", err)
	}
	s, err := LoadKeyFile(path, true)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != KeySize {
		t.Fatalf("key file: %v, %v; want mode 0600, %d bytes", fi.Mode(), err, KeySize)
	}
	secret := NewSecret()
	if !strings.HasPrefix(secret, SecretPrefix) || len(secret) != len(SecretPrefix)+43 {
		t.Errorf("NewSecret() = %q", secret)
	}
	sealed := s.Seal("hook-1", secret)
	if bytes.Contains(sealed, []byte(secret)) || bytes.Contains(sealed, []byte(secret[len(SecretPrefix):])) {
		t.Fatal("the sealed secret contains the secret")
	}
	again, err := LoadKeyFile(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open("hook-1", sealed); err != nil || got != secret {
		t.Errorf("Open with the reloaded key = %q, %v", got, err)
	}
	other, _ := NewSealer(bytes.Repeat([]byte{7}, KeySize))
	damaged := bytes.Clone(sealed)
	damaged[len(damaged)-1] ^= 1
	cases := []struct {
		name   string
		sealer *Sealer
		id     string
		sealed []byte
	}{
		{"another webhook", s, "hook-2", sealed},
		{"another key", other, "hook-1", sealed},
		{"damaged", s, "hook-1", damaged},
		{"short", s, "hook-1", sealed[:10]},
		{"unknown version", s, "hook-1", append([]byte{9}, sealed[1:]...)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.sealer.Open(tc.id, tc.sealed); err != ErrWrongKey {
				t.Errorf("Open = %v, want ErrWrongKey", err)
			}
		})
	}
	if err := os.WriteFile(filepath.Join(dir, "short.key"), []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(filepath.Join(dir, "short.key"), true); err == nil {
		t.Error("a key file of the wrong size was accepted")
	}
}

// TestKeyFileCreatedOnce: processes creating the key file at once all end up with the
// same key (none of them overwrites another's).
func TestKeyFileCreatedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	const n = 16
	sealers := make([]*Sealer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if sealers[i], err = LoadKeyFile(path, true); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	sealed := sealers[0].Seal("hook", "whsec_x")
	for i, s := range sealers {
		if s == nil {
			continue
		}
		if got, err := s.Open("hook", sealed); err != nil || got != "whsec_x" {
			t.Errorf("sealer %d has another key: %v", i, err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("%d files in the key's directory, want only the key", len(entries))
	}
}

// TestSchedule: the first retry within 10 s, the last attempt more than a day after the
// first whatever the jitter, then given up.
func TestSchedule(t *testing.T) {
	for _, tc := range []struct {
		name   string
		random float64
	}{{"least jitter", 0}, {"none", 0.5}, {"most jitter", 0.999999}} {
		t.Run(tc.name, func(t *testing.T) {
			rnd := func() float64 { return tc.random }
			now := goldenAt
			first, ok := NextAttempt(1, now, rnd)
			if !ok || first.Sub(now) > 10*time.Second || first.Sub(now) < 4*time.Second {
				t.Errorf("first retry after %v, want 4–10 s", first.Sub(now))
			}
			attempts := 1
			for {
				next, ok := NextAttempt(attempts, now, rnd)
				if !ok {
					break
				}
				if !next.After(now) {
					t.Fatalf("attempt %d: next %v not after %v", attempts, next, now)
				}
				now, attempts = next, attempts+1
			}
			if attempts != MaxAttempts {
				t.Errorf("%d attempts, want %d", attempts, MaxAttempts)
			}
			if span := now.Sub(goldenAt); span < 24*time.Hour || span > 40*time.Hour {
				t.Errorf("last attempt %v after the first, want 24–40 h", span)
			}
		})
	}
}

func TestRefusedReason(t *testing.T) {
	cases := []struct {
		ip      string
		refused bool
	}{
		{"127.0.0.1", true}, {"127.8.9.10", true}, {"::1", true}, {"10.1.2.3", true}, {"172.16.0.1", true},
		{"172.31.255.255", true}, {"192.168.1.1", true}, {"169.254.169.254", true}, {"fe80::1", true}, {"fd00::1", true},
		{"0.0.0.0", true}, {"::", true}, {"0.1.2.3", true}, {"224.0.0.1", true}, {"ff02::1", true}, {"100.64.0.1", true},
		{"100.127.255.254", true}, {"255.255.255.255", true}, {"198.18.0.1", true}, {"::ffff:127.0.0.1", true},
		{"::ffff:10.0.0.1", true}, {"64:ff9b::a00:1", true}, {"2002:a00:1::1", true},
		{"8.8.8.8", false}, {"1.1.1.1", false}, {"172.32.0.1", false}, {"100.128.0.1", false}, {"2606:4700::1111", false},
		{"::ffff:8.8.8.8", false},
	}
	for _, tc := range cases {
		t.Run(tc.ip, func(t *testing.T) {
			reason := RefusedReason(netip.MustParseAddr(tc.ip))
			if (reason != "") != tc.refused {
				t.Errorf("RefusedReason(%s) = %q, want refused %v", tc.ip, reason, tc.refused)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	cases := []struct {
		name, url, want, err string
	}{
		{"https", "https://hooks.example/mesh?x=1", "https://hooks.example/mesh?x=1", ""},
		{"http with port", " http://127.0.0.1:9000/hook ", "http://127.0.0.1:9000/hook", ""},
		{"ftp", "ftp://hooks.example/", "", "http or https"},
		{"relative", "/hook", "", "http or https"},
		{"no host", "https:///hook", "", "no host"},
		{"credentials", "https://user:pw@hooks.example/", "", "credentials"},
		{"fragment", "https://hooks.example/#x", "", "fragment"},
		{"too long", "https://hooks.example/" + strings.Repeat("a", 2048), "", "2048"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckURL(tc.url)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Errorf("CheckURL = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("CheckURL = %q, %v; want an error mentioning %q", got, err, tc.err)
			}
		})
	}
}

func TestPrivateReason(t *testing.T) {
	ctx := context.Background()
	for url, private := range map[string]bool{
		"http://127.0.0.1:8080/x": true,
		"http://[::1]/x":          true,
		"http://localhost:8080/x": true,
		"https://93.184.215.14/":  false,
	} {
		if got := PrivateReason(ctx, nil, url); (got != "") != private {
			t.Errorf("PrivateReason(%s) = %q, want private %v", url, got, private)
		}
	}
}
