// Package meshapi is a Go client for the server-side API of Mesh Connect's "Get Link
// token" system, as linkd serves it and as Mesh serves it: the same requests, the same
// envelope, the same errors, so code written with it moves between linkd and Mesh by
// changing the base URL.
//
// A backend creates a Client with its API credentials, asks for a link token for each
// user who is about to open Link, and hands the token to the page, whose web SDK opens
// Link with it:
//
//	c := meshapi.NewClient("https://linkd.example", clientID, clientSecret)
//	tok, err := c.CreateLinkToken(ctx, &meshapi.LinkTokenRequest{
//		UserID: "user-1234",
//		TransferOptions: &meshapi.TransferOptions{
//			ToAddresses: []meshapi.ToAddress{{NetworkID: ethereum, Symbol: "USDC", Address: "0x…"}},
//			AmountInFiat: 25,
//		},
//	})
//	// tok.LinkToken goes to the page; tok.PaymentLink is set when GeneratePayLink was.
//
// Integrations and Networks read the catalog (the ids a LinkTokenRequest names),
// Transfers lists the transfers Link made, and VerifyWebhook checks the signature of a
// webhook's body before the backend trusts it.
//
// # Errors
//
// Every answer but a success is an *Error: the HTTP status, and from Mesh's envelope the
// status, errorType (a stable code to switch on), message (for the developer, naming the
// field) and displayMessage (safe to show a user), with the request id to quote and, on a
// 429 or 503, how long to wait (Retry-After). An answer that is not Mesh's envelope at
// all (a proxy's HTML error page) is an *Error too, which wraps ErrNotEnvelope.
//
//	var e *meshapi.Error
//	if errors.As(err, &e) && e.ErrorType == "invalidAddress" { … }
//
// # Timeouts, cancellation and retries
//
// Every call takes a context and stops when it is done. The default HTTP client gives up
// after 30 s; WithHTTPClient sets another. Nothing is retried unless WithRetry says so,
// and then only the calls that read (GET), never CreateLinkToken: a link token request
// that timed out may have been served, and sending it again would issue a second token.
//
// The package uses the standard library only.
package meshapi
