package e2e

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/linkd-dev/linkd/internal/linktoken"
	"github.com/linkd-dev/linkd/meshapi"
)

// TestMeshapiNames: every type of the Go client has exactly the JSON names of its model
// in @meshconnect/node-api's api.d.ts (the wire's source of truth), the request types
// also those linkd's decoder knows, and TransferQuery sends exactly the query
// parameters of node-api's v1TransfersManagedMeshList.
func TestMeshapiNames(t *testing.T) {
	t.Parallel()
	ensureNodeModules(t)
	b, err := os.ReadFile(filepath.Join(e2eDir, "node_modules", "@meshconnect", "node-api", "api.d.ts"))
	if err != nil {
		t.Fatal(err)
	}
	dts := string(b)
	for _, tc := range []struct {
		model string
		typ   any
		extra []string // members linkd serves that node-api 2.0.28 does not type
	}{
		{"GetLinkTokenRequest", meshapi.LinkTokenRequest{}, nil},
		{"LinkTokenTransferOptions", meshapi.TransferOptions{}, nil},
		{"TransferToAddressWithAmount", meshapi.ToAddress{}, nil},
		{"TransferCryptocurrencyFundingOptions", meshapi.FundingOptions{}, nil},
		{"GoodsDetails", meshapi.GoodsDetails{}, nil},
		{"VerifyWalletOptions", meshapi.VerifyWalletOptions{}, nil},
		{"LinkTokenModel", meshapi.LinkToken{}, nil},
		{"IntegrationModel", meshapi.Integration{}, nil},
		{"IntegrationStyle", meshapi.IntegrationStyle{}, nil},
		{"IntegrationLogo", meshapi.IntegrationLogo{}, nil},
		{"NetworkResponseWithIntegrations", meshapi.Network{}, []string{"addressPattern"}},
		{"NetworkResponseToken", meshapi.NetworkToken{}, []string{"contractAddress"}},
		{"TransferModelPaginationResponse", meshapi.TransferPage{}, nil},
		{"TransferModel", meshapi.Transfer{}, nil},
		{"TransferIntegrationWithLogoModel", meshapi.TransferFrom{}, nil},
		{"TransferFee", meshapi.TransferFee{}, nil},
		{"TransferFundingModel", meshapi.TransferFunding{}, nil},
		{"BridgingTransferDetailsModel", meshapi.BridgingDetails{}, nil},
		{"BridgingTransferSide", meshapi.BridgingSide{}, nil},
		{"BridgingTimelineEvent", meshapi.BridgingEvent{}, nil},
	} {
		want := append(interfaceMembers(t, dts, tc.model), tc.extra...)
		got := jsonNames(reflect.TypeOf(tc.typ))
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%T: JSON names %v\nnode-api's %s: %v", tc.typ, got, tc.model, want)
		}
	}

	// The request types' names are those linkd decodes.
	for _, pair := range [][2]any{
		{meshapi.LinkTokenRequest{}, linktoken.Request{}}, {meshapi.TransferOptions{}, linktoken.TransferOptions{}},
		{meshapi.ToAddress{}, linktoken.ToAddress{}}, {meshapi.FundingOptions{}, linktoken.FundingOptions{}},
		{meshapi.GoodsDetails{}, linktoken.GoodsDetails{}}, {meshapi.VerifyWalletOptions{}, linktoken.VerifyWalletOptions{}},
	} {
		if a, b := jsonNames(reflect.TypeOf(pair[0])), jsonNames(reflect.TypeOf(pair[1])); !slices.Equal(a, b) {
			t.Errorf("%T %v\n%T %v", pair[0], a, pair[1], b)
		}
	}

	// The transfer list's query parameters (node-api also has IsSandBox, which selects
	// Mesh's sandbox environment and means nothing to linkd).
	m := regexp.MustCompile(`(?s)v1TransfersManagedMeshList: \(query\?: \{(.*?)\n\s*\}, params`).FindStringSubmatch(dts)
	if m == nil {
		t.Fatal("api.d.ts: no v1TransfersManagedMeshList query")
	}
	var params []string
	for _, p := range memberNames(m[1], 12) {
		if p != "IsSandBox" {
			params = append(params, p)
		}
	}
	slices.Sort(params)
	q := &meshapi.TransferQuery{Count: 1, Offset: 1, ID: "x", ClientTransactionID: "x", UserID: "x", IntegrationIDs: []string{"x"},
		Statuses: []string{"x"}, FromTimestamp: 1, ToTimestamp: 1, MinAmountInFiat: 1, MaxAmountInFiat: 1, OrderBy: "x",
		DescendingOrder: true, Hash: "x", SubClientID: "x"}
	var sent []string
	for _, kv := range strings.Split(q.Encode(), "&") {
		k, _, _ := strings.Cut(kv, "=")
		sent = append(sent, k)
	}
	slices.Sort(sent)
	if !slices.Equal(sent, params) {
		t.Errorf("TransferQuery sends %v\nnode-api's query: %v", sent, params)
	}
}

// interfaceMembers returns the member names of `export interface NAME { … }` in api.d.ts.
func interfaceMembers(t *testing.T, dts, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?s)\nexport interface ` + name + ` \{\n(.*?)\n\}`).FindStringSubmatch(dts)
	if m == nil {
		t.Fatalf("api.d.ts: no interface %s", name)
	}
	return memberNames(m[1], 4)
}

// memberNames returns the names of the members declared, indented by indent spaces, in
// a block of TypeScript members ("    readonly name?: type;").
func memberNames(block string, indent int) []string {
	var out []string
	re := regexp.MustCompile(`(?m)^ {` + strconv.Itoa(indent) + `}(?:readonly )?(\w+)\??:`)
	for _, m := range re.FindAllStringSubmatch(block, -1) {
		out = append(out, m[1])
	}
	return out
}

// jsonNames returns the sorted JSON member names of a struct type.
func jsonNames(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
