package mfaguard

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// JWK is the part of a JSON Web Key an Ed25519 verifier needs.
type JWK struct {
	Kty, Crv, X, Kid, Alg, Use string
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// KeySet holds Ed25519 keys by kid. With a URL it fetches them, caches them for TTL (or the
// answer's Cache-Control max-age when shorter), and refetches on an unknown kid at most once
// per MinRefetch, so a flood of made-up kids cannot hammer the service.
type KeySet struct {
	URL        string
	TTL        time.Duration
	MinRefetch time.Duration
	Client     *http.Client

	mu        sync.Mutex
	keys      map[string]ed25519.PublicKey
	fetchedAt time.Time
	expiresAt time.Time
	static    bool
}

// StaticKeySet never fetches (tests, vectors).
func StaticKeySet(jwks JWKS) *KeySet {
	ks := &KeySet{static: true}
	ks.load(jwks)
	return ks
}

// NewKeySet fetches from url with the recommended defaults (5 min cache, 30 s refetch limit).
func NewKeySet(url string) *KeySet {
	return &KeySet{URL: url, TTL: 5 * time.Minute, MinRefetch: 30 * time.Second, Client: &http.Client{Timeout: 5 * time.Second}}
}

func (ks *KeySet) load(jwks JWKS) {
	ks.keys = map[string]ed25519.PublicKey{}
	for _, k := range jwks.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Kid == "" {
			continue
		}
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err == nil && len(x) == ed25519.PublicKeySize {
			ks.keys[k.Kid] = ed25519.PublicKey(x)
		}
	}
}

var maxAgeRe = regexp.MustCompile(`max-age=(\d+)`)

func (ks *KeySet) fetch(now time.Time) error {
	res, err := ks.Client.Get(ks.URL)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", res.StatusCode)
	}
	var jwks JWKS
	if err == nil {
		err = json.NewDecoder(res.Body).Decode(&jwks)
	}
	if res != nil {
		res.Body.Close()
	}
	ks.fetchedAt = now
	if err != nil {
		if ks.keys == nil {
			return fmt.Errorf("JWKS %s: %w", ks.URL, err)
		}
		// Keep serving the keys we have; try again no sooner than MinRefetch.
		ks.expiresAt = now.Add(ks.MinRefetch)
		return nil
	}
	ks.load(jwks)
	ttl := ks.TTL
	if m := maxAgeRe.FindStringSubmatch(res.Header.Get("Cache-Control")); m != nil {
		if s, err := strconv.Atoi(m[1]); err == nil && time.Duration(s)*time.Second < ttl {
			ttl = time.Duration(s) * time.Second
		}
	}
	ks.expiresAt = now.Add(ttl)
	return nil
}

// Get returns the key of kid, nil when the set has none, or an error when keys are unavailable.
func (ks *KeySet) Get(kid string) (ed25519.PublicKey, error) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if !ks.static {
		now := time.Now()
		if ks.keys == nil || now.After(ks.expiresAt) {
			if err := ks.fetch(now); err != nil {
				return nil, err
			}
		} else if _, ok := ks.keys[kid]; !ok && now.Sub(ks.fetchedAt) > ks.MinRefetch {
			if err := ks.fetch(now); err != nil {
				return nil, err
			}
		}
	}
	return ks.keys[kid], nil
}
