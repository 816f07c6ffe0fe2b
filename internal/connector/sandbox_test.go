package connector

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/address"
	"github.com/linkd-dev/linkd/internal/walletsig"
)

func TestSandboxAddressesAreValid(t *testing.T) {
	for nt, a := range sandboxAddresses {
		if err := address.Validate(nt, a); err != nil {
			t.Errorf("%s sandbox address %s: %v", nt, a, err)
		}
	}
	for _, nt := range address.Supported() {
		if SandboxAddress(nt) == "" {
			t.Errorf("no sandbox address for %s", nt)
		}
	}
}

func TestSandboxCredentials(t *testing.T) {
	s := NewSandbox()
	ctx := context.Background()
	cases := []struct {
		name    string
		in      Credentials
		wantErr error
		mfa     bool
	}{
		{"good", Credentials{Username: SandboxUserGood, Password: SandboxPassword}, nil, false},
		{"good, spaces around the user", Credentials{Username: " user_good ", Password: SandboxPassword}, nil, false},
		{"mfa", Credentials{Username: SandboxUserMFA, Password: SandboxPassword}, nil, true},
		{"wrong password", Credentials{Username: SandboxUserGood, Password: "nope"}, ErrInvalidCredentials, false},
		{"unknown user", Credentials{Username: "someone", Password: SandboxPassword}, ErrInvalidCredentials, false},
		{"api key", Credentials{APIKey: SandboxAPIKey, APISecret: SandboxAPISecret}, nil, false},
		{"wrong api secret", Credentials{APIKey: SandboxAPIKey, APISecret: "x"}, ErrInvalidCredentials, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			step, err := s.Connect(ctx, tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if tc.mfa != (step.Challenge != nil) || (!tc.mfa && len(step.Accounts) != 2) {
				t.Fatalf("step %+v", step)
			}
		})
	}
	var ie *InstitutionError
	if _, err := s.Connect(ctx, Credentials{Username: SandboxUserError, Password: "any"}); !errors.As(err, &ie) {
		t.Errorf("user_error: %v", err)
	}
	step, _ := s.Connect(ctx, Credentials{Username: SandboxUserMFA, Password: SandboxPassword})
	if _, err := s.Answer(ctx, *step.Challenge, "000000"); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("wrong code: %v", err)
	}
	if got, err := s.Answer(ctx, *step.Challenge, SandboxMFACode); err != nil || len(got.Accounts) != 2 {
		t.Errorf("right code: %+v %v", got, err)
	}
	if _, err := s.Answer(ctx, Challenge{State: "forged"}, SandboxMFACode); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("forged challenge: %v", err)
	}
}

func TestSandboxQuote(t *testing.T) {
	s := NewSandbox()
	ctx := context.Background()
	acct := sandboxAccounts()[0]
	q, err := s.Quote(ctx, QuoteRequest{Account: acct, Symbol: "ETH", NetworkID: "n", NetworkName: "Base", NetworkType: "evm", NativeSymbol: "ETH", Amount: 1})
	if err != nil {
		t.Fatal(err)
	}
	if q.PriceUSD != 3000 || q.GasFee != 0.00001 || q.Available != 1.5 || q.InstitutionFee != 0.001 || q.FromAddress == "" {
		t.Errorf("quote %+v", q)
	}
	if _, err := s.Quote(ctx, QuoteRequest{Account: acct, Symbol: "NOPE", NetworkType: "evm", NativeSymbol: "ETH"}); !errors.Is(err, ErrNotSupported) {
		t.Errorf("unknown symbol: %v", err)
	}
	// Fund is cash plus holdings at the sandbox's prices.
	want := acct.Cash
	for _, h := range acct.Holdings {
		want += h.Amount * h.PriceUSD
	}
	if round(want, 2) != acct.Fund {
		t.Errorf("fund %v, want %v", acct.Fund, want)
	}
}

// TestSandboxWalletSignsForReal: the sandbox wallet's documented keys give its documented
// addresses, its signatures verify as a browser wallet's do, and it signs for its own
// addresses only.
func TestSandboxWalletSignsForReal(t *testing.T) {
	s := NewSandbox()
	w := newSandboxWallet()
	if got := walletsig.AddressEVM(w.evm); got != SandboxWalletEVM {
		t.Errorf("EVM key's address = %s, want %s", got, SandboxWalletEVM)
	}
	if got := walletsig.AddressSolana(w.solana); got != SandboxWalletSolana {
		t.Errorf("Solana key's address = %s, want %s", got, SandboxWalletSolana)
	}
	const msg = "Prove you own this wallet ✓"
	tests := []struct {
		name, networkType, address string
		ok                         bool
	}{
		{"evm", "evm", SandboxWalletEVM, true},
		{"evm lower case", "evm", strings.ToLower(SandboxWalletEVM), true},
		{"solana", "solana", SandboxWalletSolana, true},
		{"another evm address", "evm", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", false},
		{"bitcoin", "bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := s.SignMessage(context.Background(), tc.networkType, tc.address, msg)
			if !tc.ok {
				if !errors.Is(err, ErrNotSupported) {
					t.Fatalf("SignMessage = %v, want ErrNotSupported", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := walletsig.Verify(tc.networkType, tc.address, msg, sig.Signature); err != nil {
				t.Errorf("the signature does not verify: %v", err)
			}
			if len(s.Addresses(tc.networkType)) != 1 || !IsSandboxWallet(tc.networkType, tc.address) {
				t.Errorf("Addresses(%s) = %v", tc.networkType, s.Addresses(tc.networkType))
			}
		})
	}
}

// TestSandboxSettle: the sandbox fails a transfer whose amount or amount in fiat ends in
// .13 (rounded to cents) and lets every other one succeed.
func TestSandboxSettle(t *testing.T) {
	cases := []struct {
		name                 string
		amount, amountInFiat float64
		want                 string
	}{
		{"ordinary", 25, 25, StatusSucceeded},
		{"amount in fiat .13", 0.0083, 25.13, StatusFailed},
		{"amount .13", 10.13, 10.13, StatusFailed},
		{"amount .13, fiat not", 1.13, 3390, StatusFailed},
		{"rounded to .13", 5.1299999, 15389.99, StatusFailed},
		{".013 is not .13", 0.013, 39, StatusSucceeded},
		{"1.3 is not .13", 1.3, 1.3, StatusSucceeded},
		{".31", 7.31, 7.31, StatusSucceeded},
	}
	s := NewSandbox()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, hash, err := s.Settle(context.Background(), Settlement{TxID: "x", TxHash: "0x1", Symbol: "USDC", Amount: tc.amount, AmountInFiat: tc.amountInFiat})
			if err != nil || got != tc.want || hash != "" {
				t.Errorf("Settle = %q, %q, %v; want %q", got, hash, err, tc.want)
			}
		})
	}
	var _ Settler = s
}
