package ssf

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/scimkit/scimkit/store"
)

// Key sizes and limits.
const (
	// KeyBits is the RSA modulus size of signing keys (the CAEP
	// interoperability profile requires at least 2048).
	KeyBits = 2048
	// keysKey is the state key of a tenant's signing keys.
	keysKey = "ssf/keys"
	// maxPublished is how many keys the JWKS publishes: the active one and
	// the one it replaced, so receivers verify SETs signed just before a
	// rotation.
	maxPublished = 2
)

// ErrKEK means the key-encryption key cannot open the stored signing keys
// (it is not the key they were sealed with).
var ErrKEK = errors.New("ssf: the key-encryption key does not open the stored signing keys")

// sealedKey is one signing key as stored: the PKCS #8 private key sealed
// with AES-256-GCM under the KEK, bound to its tenant and kid.
type sealedKey struct {
	KID     string    `json:"kid"`
	Created time.Time `json:"created"`
	Sealed  []byte    `json:"sealed"` // nonce || ciphertext
}

// keySet is the stored document: newest key first; Keys[0] signs.
type keySet struct {
	KEK  string      `json:"kek"` // fingerprint of the KEK that sealed the keys
	Keys []sealedKey `json:"keys"`
}

// keyRing keeps the tenants' signing keys in States, sealed under the KEK,
// and caches them opened. It is safe for concurrent use.
type keyRing struct {
	states   store.States
	aead     cipher.AEAD
	kekID    string
	rotation time.Duration // rotate when the active key is older (0: never)
	now      func() time.Time

	mu    sync.Mutex
	cache map[string]openedSet // by tenant
}

type openedSet struct {
	version int64
	keys    []openedKey // newest first
}

type openedKey struct {
	kid     string
	created time.Time
	priv    *rsa.PrivateKey
}

func newKeyRing(st store.States, kek []byte, rotation time.Duration, now func() time.Time) (*keyRing, error) {
	if len(kek) != 32 {
		return nil, fmt.Errorf("ssf: the key-encryption key must be 32 bytes (AES-256), got %d", len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("ssf: key-encryption key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("ssf: key-encryption key: %w", err)
	}
	sum := sha256.Sum256(append([]byte("scimkit-ssf-kek\x00"), kek...))
	return &keyRing{states: st, aead: aead, kekID: hex.EncodeToString(sum[:8]), rotation: rotation,
		now: now, cache: map[string]openedSet{}}, nil
}

func aad(tenant, kid string) []byte { return []byte("scimkit-ssf-key\x00" + tenant + "\x00" + kid) }

func (k *keyRing) seal(tenant string, key openedKey) (sealedKey, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key.priv)
	if err != nil {
		return sealedKey{}, err
	}
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	return sealedKey{KID: key.kid, Created: key.created.UTC(),
		Sealed: k.aead.Seal(nonce, nonce, der, aad(tenant, key.kid))}, nil
}

func (k *keyRing) open(tenant string, s sealedKey) (openedKey, error) {
	n := k.aead.NonceSize()
	if len(s.Sealed) < n {
		return openedKey{}, fmt.Errorf("ssf: key %s of tenant %q: %w", s.KID, tenant, ErrKEK)
	}
	der, err := k.aead.Open(nil, s.Sealed[:n], s.Sealed[n:], aad(tenant, s.KID))
	if err != nil {
		return openedKey{}, fmt.Errorf("ssf: key %s of tenant %q: %w", s.KID, tenant, ErrKEK)
	}
	pk, err := x509.ParsePKCS8PrivateKey(der)
	priv, ok := pk.(*rsa.PrivateKey)
	if err != nil || !ok {
		return openedKey{}, fmt.Errorf("ssf: key %s of tenant %q is not an RSA key", s.KID, tenant)
	}
	return openedKey{kid: s.KID, created: s.Created, priv: priv}, nil
}

func newKey(now time.Time) (openedKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return openedKey{}, fmt.Errorf("ssf: generate signing key: %w", err)
	}
	var b [12]byte
	rand.Read(b[:])
	return openedKey{kid: now.UTC().Format("20060102") + "-" + hex.EncodeToString(b[:]), created: now, priv: priv}, nil
}

// keys returns the tenant's keys, newest first, creating the first key
// (or rotating, when the active key is older than the rotation period).
func (k *keyRing) keys(ctx context.Context, tenant string) ([]openedKey, error) {
	for range 5 {
		st, err := k.states.GetState(ctx, tenant, keysKey)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if _, err := k.put(ctx, tenant, nil, 0); err != nil && !errors.Is(err, store.ErrPrecondition) {
				return nil, err
			}
			continue
		case err != nil:
			return nil, fmt.Errorf("ssf: signing keys of tenant %q: %w", tenant, err)
		}
		set, err := k.load(tenant, st)
		if err != nil {
			return nil, err
		}
		if k.rotation > 0 && k.now().Sub(set.keys[0].created) >= k.rotation {
			if _, err := k.put(ctx, tenant, set.keys, st.Version); err != nil && !errors.Is(err, store.ErrPrecondition) {
				return nil, err
			}
			continue
		}
		return set.keys, nil
	}
	return nil, fmt.Errorf("ssf: signing keys of tenant %q: too many concurrent changes: %w", tenant, store.ErrUnavailable)
}

// load opens a stored key set, from the cache when its version is known.
func (k *keyRing) load(tenant string, st store.State) (openedSet, error) {
	k.mu.Lock()
	c, ok := k.cache[tenant]
	k.mu.Unlock()
	if ok && c.version == st.Version {
		return c, nil
	}
	var ks keySet
	if err := json.Unmarshal(st.Value, &ks); err != nil || len(ks.Keys) == 0 {
		return openedSet{}, fmt.Errorf("ssf: signing keys of tenant %q are corrupt", tenant)
	}
	if ks.KEK != k.kekID {
		return openedSet{}, fmt.Errorf("ssf: signing keys of tenant %q: %w", tenant, ErrKEK)
	}
	set := openedSet{version: st.Version}
	for _, s := range ks.Keys {
		o, err := k.open(tenant, s)
		if err != nil {
			return openedSet{}, err
		}
		set.keys = append(set.keys, o)
	}
	k.mu.Lock()
	k.cache[tenant] = set
	k.mu.Unlock()
	return set, nil
}

// put stores a new active key in front of old (keeping maxPublished keys)
// when the stored version is ifVersion.
func (k *keyRing) put(ctx context.Context, tenant string, old []openedKey, ifVersion int64) ([]openedKey, error) {
	nk, err := newKey(k.now())
	if err != nil {
		return nil, err
	}
	keys := append([]openedKey{nk}, old...)
	keys = keys[:min(len(keys), maxPublished)]
	ks := keySet{KEK: k.kekID}
	for _, o := range keys {
		s, err := k.seal(tenant, o)
		if err != nil {
			return nil, err
		}
		ks.Keys = append(ks.Keys, s)
	}
	b, _ := json.Marshal(ks)
	if _, err := k.states.PutState(ctx, tenant, keysKey, b, ifVersion); err != nil {
		return nil, fmt.Errorf("ssf: store signing keys of tenant %q: %w", tenant, err)
	}
	return keys, nil
}

// rotate makes a new key the active one; the previous active key stays
// published until the next rotation.
func (k *keyRing) rotate(ctx context.Context, tenant string) error {
	for range 5 {
		st, err := k.states.GetState(ctx, tenant, keysKey)
		var old []openedKey
		var version int64
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return fmt.Errorf("ssf: rotate keys of tenant %q: %w", tenant, err)
		default:
			set, err := k.load(tenant, st)
			if err != nil {
				return err
			}
			old, version = set.keys, st.Version
		}
		_, err = k.put(ctx, tenant, old, version)
		if !errors.Is(err, store.ErrPrecondition) {
			return err
		}
	}
	return fmt.Errorf("ssf: rotate keys of tenant %q: too many concurrent changes: %w", tenant, store.ErrUnavailable)
}

// signer returns a JWS signer with the tenant's active key.
func (k *keyRing) sign(ctx context.Context, tenant string, payload []byte) (string, error) {
	keys, err := k.keys(ctx, tenant)
	if err != nil {
		return "", err
	}
	active := keys[0]
	opts := (&jose.SignerOptions{}).WithType(setType)
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256,
		Key: jose.JSONWebKey{Key: active.priv, KeyID: active.kid, Algorithm: string(jose.RS256), Use: "sig"}}, opts)
	if err != nil {
		return "", fmt.Errorf("ssf: signer: %w", err)
	}
	obj, err := sg.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("ssf: sign SET: %w", err)
	}
	return obj.CompactSerialize()
}

// jwks returns the tenant's public keys (RFC 7517 §5).
func (k *keyRing) jwks(ctx context.Context, tenant string) (jose.JSONWebKeySet, error) {
	keys, err := k.keys(ctx, tenant)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	var set jose.JSONWebKeySet
	for _, o := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: o.priv.Public(), KeyID: o.kid, Algorithm: string(jose.RS256), Use: "sig"})
	}
	return set, nil
}

// sealSecret seals a secret of a stream (a push authorization header)
// under the KEK, bound to the tenant and stream.
func (k *keyRing) sealSecret(tenant, stream, secret string) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, []byte(secret), aad(tenant, "stream/"+stream)), nil
}

// openSecret opens what sealSecret sealed.
func (k *keyRing) openSecret(tenant, stream string, sealed []byte) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", fmt.Errorf("ssf: credential of stream %s: %w", stream, ErrKEK)
	}
	b, err := k.aead.Open(nil, sealed[:n], sealed[n:], aad(tenant, "stream/"+stream))
	if err != nil {
		return "", fmt.Errorf("ssf: credential of stream %s: %w", stream, ErrKEK)
	}
	return string(b), nil
}
