package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// SecretPrefix starts every webhook signing secret, so that one is recognised in a
// configuration file or a leak report (docs/threat-model.md S3: kinds of secret apart).
const SecretPrefix = "whsec_"

// NewSecret returns a new signing secret: SecretPrefix and 256 random bits, base64url.
// The HMAC key is the secret's UTF-8 bytes, prefix included, as a receiver written from
// Mesh's documentation uses it.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:]) // never returns an error (crypto/rand, Go ≥ 1.24)
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// KeySize is the size of the secret key file: an AES-256 key.
const KeySize = 32

// sealVersion is the first byte of a sealed secret: the format (AES-256-GCM, 12-byte
// nonce, associated data sealAD + webhook id).
const sealVersion = 1

// sealAD prefixes the associated data, so that a sealed webhook secret cannot be taken for
// anything else sealed under the same key.
const sealAD = "linkd webhook secret\x00"

// Sealer encrypts webhook signing secrets for the database and decrypts them to sign.
// linkd must keep each secret (it signs every delivery with it), so it cannot store only a
// hash as it does for client secrets; it stores the secret sealed with AES-256-GCM under a
// key that lives outside the database, with the webhook's id as associated data, so that a
// copy of the database alone reveals no secret and a sealed secret moved to another
// webhook does not open (docs/threat-model.md H2).
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer with a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("webhook: the secret key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts the secret of webhook id.
func (s *Sealer) Seal(id, secret string) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	out[0] = sealVersion
	rand.Read(out[1:])
	return s.aead.Seal(out, out[1:], []byte(secret), []byte(sealAD+id))
}

// ErrWrongKey is the error of Open for a secret sealed under another key (or for another
// webhook, or damaged): every instance sharing a database needs the same key file.
var ErrWrongKey = errors.New("the webhook secret does not open with this secret key (every linkd sharing the database needs the same --secret-key-file)")

// Open decrypts the secret of webhook id.
func (s *Sealer) Open(id string, sealed []byte) (string, error) {
	n := 1 + s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() || sealed[0] != sealVersion {
		return "", ErrWrongKey
	}
	plain, err := s.aead.Open(nil, sealed[1:n], sealed[n:], []byte(sealAD+id))
	if err != nil {
		return "", ErrWrongKey
	}
	return string(plain), nil
}

// LoadKeyFile reads the secret key file at path (KeySize bytes) and returns its Sealer.
// With create, a missing file is created first, mode 0600, with KeySize random bytes;
// two processes creating it at once end up with the same file (the second reads the
// first's). Without create, a missing file is an error that names the flag.
func LoadKeyFile(path string, create bool) (*Sealer, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		key, err = createKeyFile(path)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("webhook: no secret key file %s (--secret-key-file): it is created by the first linkd serve or linkd client webhook add", path)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook: secret key file: %w", err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("webhook: secret key file %s holds %d bytes, want %d (--secret-key-file)", path, len(key), KeySize)
	}
	return NewSealer(key)
}

// createKeyFile writes a new key to a temporary file and links it to path, which fails if
// path exists: then the existing key wins and is returned.
func createKeyFile(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key := make([]byte, KeySize)
	rand.Read(key)
	f, err := os.CreateTemp(dir, ".secret-key-*") // mode 0600
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(f.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return os.ReadFile(path)
		}
		return nil, err
	}
	return key, nil
}

// KeyFile is the secret key file at Path, loaded when it is first needed and kept once
// loaded. A linkd serve started before the file existed picks it up as soon as `linkd
// client webhook add` (or the demo) creates it, without a restart. Only Create makes a
// new key: serve never does, so that an instance on another host that was not given the
// shared key file fails loudly (outcome secretKey) instead of inventing a key of its own.
type KeyFile struct {
	Path   string
	Create bool

	mu     sync.Mutex
	sealer *Sealer
}

// Sealer returns the key file's Sealer, loading (or, with Create, creating) it if needed.
func (k *KeyFile) Sealer() (*Sealer, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.sealer != nil {
		return k.sealer, nil
	}
	s, err := LoadKeyFile(k.Path, k.Create)
	if err != nil {
		return nil, err
	}
	k.sealer = s
	return s, nil
}
