package api

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/linkd-dev/linkd/internal/address"
	"github.com/linkd-dev/linkd/internal/catalog"
	"github.com/linkd-dev/linkd/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestTransferModelGolden: a stored transfer's wire form is node-api's TransferModel, every
// member present (null where linkd has nothing): a wire format, kept in a golden file.
func TestTransferModelGolden(t *testing.T) {
	h, err := NewHandler(Handler{}, catalog.MustLoad(), "https://linkd.example", address.Pattern)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	full := store.Transfer{
		ID: "0b8f1e4e-5b0c-4b5e-9a47-6d4f3d1f2a10", ClientID: "5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f", SubClientID: "6a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6",
		UserID: "user-1234", ClientTransactionID: "order-17", InstitutionTransactionID: "9f0e1d2c-3b4a-4958-8776-655443322110",
		Status: store.TransferSucceeded, Amount: 25, AmountToReceive: 25, SourceAmount: 25.275, AmountInFiat: 25, AmountToReceiveInFiat: 25,
		TotalAmountInFiat: 26.48, FiatCurrency: "USD", Symbol: "USDC", TokenAddress: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
		NetworkID: "e3c7fdd8-b1fc-4e51-85ae-bb276e075611", NetworkName: "Ethereum", Hash: "0x8f2b4e6a0c1d3f5b7a9e2c4d6f8a0b1c3e5d7f9a2b4c6d8e0f1a3b5c7d9e1f20",
		FromAddress: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", DestinationAddress: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		IntegrationID: "b9cc860a-935d-5982-8562-c164e2e7a703", IntegrationType: "sandbox", IntegrationName: "Sandbox",
		GasFee:        store.TransferFee{Amount: 0.0004, Currency: "ETH", InFiat: 1.2},
		WithdrawalFee: store.TransferFee{Amount: 0.025, Currency: "USDC", InFiat: 0.03},
		ProcessingFee: store.TransferFee{Amount: 0.25, Currency: "USDC", InFiat: 0.25},
		Funding:       []store.TransferFunding{{Type: "buyingPowerPurchase", Amount: 5, AmountInFiat: 5, ToSymbol: "USDC", FromAmount: 5, FromSymbol: "USD"}},
		TransferType:  "deposit", CreatedAt: at, ExecutedAt: at, UpdatedAt: at.Add(5 * time.Second),
	}
	bare := full
	bare.SubClientID, bare.ClientTransactionID, bare.Hash, bare.TokenAddress, bare.TransferType, bare.Funding = "", "", "", "", "", nil
	bare.ExecutedAt, bare.Status = time.Time{}, store.TransferPending
	got, err := json.Marshal(transferPage{Items: []transferModel{h.transferModel(full), h.transferModel(bare)}, Total: 2},
		jsontext.Multiline(true), jsontext.WithIndent("  "))
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "transfers.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run Golden -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("transfer list wire format changed:\n%s", got)
	}
}
