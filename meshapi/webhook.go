package meshapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// WebhookSignatureHeader is the header a webhook's signature arrives in.
const WebhookSignatureHeader = "X-Mesh-Signature-256"

// Errors of VerifyWebhook.
var (
	ErrWebhookNoSecret          = errors.New("meshapi: webhook secret is empty")
	ErrWebhookNoSignature       = errors.New("meshapi: webhook has no " + WebhookSignatureHeader + " signature")
	ErrWebhookSignatureMismatch = errors.New("meshapi: webhook signature does not match its body")
)

// WebhookSignature is the signature of a webhook body under secret: base64 of the
// HMAC-SHA256 of the exact bytes of the body, keyed with the secret's UTF-8 bytes (RFC
// 2104), as Mesh and linkd send it in X-Mesh-Signature-256. A backend's tests can sign
// their own deliveries with it.
func WebhookSignature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks that header (the X-Mesh-Signature-256 of the request) is the
// signature of body under secret, and returns nil only then. Pass the body exactly as
// it arrived, before any decoding: a re-encoded body does not verify. The comparison
// takes the same time wherever the signatures differ (hmac.Equal), so that a forger
// cannot find a valid signature byte by byte.
func VerifyWebhook(secret string, body []byte, header string) error {
	if secret == "" {
		return ErrWebhookNoSecret
	}
	header = strings.TrimSpace(header)
	if header == "" {
		return ErrWebhookNoSignature
	}
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		return ErrWebhookSignatureMismatch
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrWebhookSignatureMismatch
	}
	return nil
}
