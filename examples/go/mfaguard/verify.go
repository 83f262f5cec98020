// Package mfaguard verifies mfa-elements step-up tokens with the Go standard library only
// (crypto/ed25519, encoding/json), following docs/verify-anywhere.md.
package mfaguard

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
)

const (
	TokenType   = "mfa-step-up+jwt"
	TokenHeader = "Step-Up-Token"
)

// compactJWS: compact serialization, base64url without padding (RFC 7515 section 7.1); alg "none" has no signature.
var compactJWS = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)

// Refused names the first check a token fails (the reasons of the vectors file).
type Refused struct{ Reason string }

func (r *Refused) Error() string { return "step-up token refused: " + r.Reason }

func refuse(reason string) error { return &Refused{reason} }

// Expectation is what the route and the request require of a token.
type Expectation struct {
	Issuer, Audience, Sub string
	// SessionID of the app session; "" skips the ssn check (a backend without the session).
	SessionID        string
	Resource, Action string
	AcrValues        []string
	MaxAge           int64 // seconds since auth_time
	MaxLifetime      int64 // exp - iat at most (the service's token lifetime)
	Leeway           int64 // clock tolerance for exp/iat/nbf
	Now              int64 // unix seconds
}

// Claims of a verified token.
type Claims struct {
	Iss, Sub, Jti, Sid, Ssn, Resource, Action, Acr string
	Aud                                            any
	Amr                                            []string
	AuthTime, Iat, Exp                             float64 // NumericDate: seconds, not necessarily whole
	Raw                                            map[string]any
}

// KeyLookup returns the Ed25519 key of a kid, or nil; an error means the keys are unavailable.
type KeyLookup interface {
	Get(kid string) (ed25519.PublicKey, error)
}

// SessionClaim is the token's `ssn`: base64url(SHA-256("mfa-ssn:" + session id))[:32].
func SessionClaim(sessionID string) string {
	sum := sha256.Sum256([]byte("mfa-ssn:" + sessionID))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:32]
}

func decodeSegment(s string, into any) error {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return err
	}
	// Exactly one JSON value: the decoder would otherwise ignore whatever follows the first.
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// numericDate accepts a JSON number: seconds, not necessarily whole (RFC 7519 section 2).
func numericDate(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// mediaType normalizes a typ value: case-insensitive, "application/" optional (RFC 7515 section 4.1.9).
func mediaType(v string) string {
	v = strings.ToLower(v)
	if strings.Contains(v, "/") {
		return v
	}
	return "application/" + v
}

// Verify returns the claims, or an error: *Refused for a bad token, anything else when keys are unavailable.
func Verify(token string, keys KeyLookup, e Expectation) (*Claims, error) {
	if !compactJWS.MatchString(token) {
		return nil, refuse("malformed")
	}
	parts := strings.Split(token, ".")
	var header map[string]any
	if err := decodeSegment(parts[0], &header); err != nil || header == nil {
		return nil, refuse("malformed")
	}
	if header["alg"] != "EdDSA" {
		return nil, refuse("alg")
	}
	if _, ok := header["crit"]; ok {
		return nil, refuse("crit") // we understand no JWS extension, so none may be critical
	}
	if typ, ok := header["typ"].(string); !ok || mediaType(typ) != mediaType(TokenType) {
		return nil, refuse("typ")
	}
	kid, _ := header["kid"].(string)
	if kid == "" {
		return nil, refuse("kid")
	}
	key, err := keys.Get(kid)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, refuse("kid")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !ed25519.Verify(key, []byte(parts[0]+"."+parts[1]), sig) {
		return nil, refuse("signature")
	}
	var raw map[string]any
	if err := decodeSegment(parts[1], &raw); err != nil || raw == nil {
		return nil, refuse("malformed")
	}
	c := &Claims{Raw: raw, Aud: raw["aud"]}
	for _, name := range []string{"iss", "aud", "sub", "jti", "sid", "ssn", "resource", "action", "acr", "amr", "auth_time", "iat", "exp"} {
		if _, ok := raw[name]; !ok {
			return nil, refuse("missing_claim")
		}
	}
	strs := map[string]*string{"iss": &c.Iss, "sub": &c.Sub, "jti": &c.Jti, "sid": &c.Sid, "ssn": &c.Ssn, "resource": &c.Resource, "action": &c.Action, "acr": &c.Acr}
	for name, dst := range strs {
		s, ok := raw[name].(string)
		if !ok {
			return nil, refuse("claim_type")
		}
		*dst = s
	}
	dates := map[string]*float64{"auth_time": &c.AuthTime, "iat": &c.Iat, "exp": &c.Exp}
	for name, dst := range dates {
		i, ok := numericDate(raw[name])
		if !ok {
			return nil, refuse("claim_type")
		}
		*dst = i
	}
	amr, ok := raw["amr"].([]any)
	if !ok {
		return nil, refuse("claim_type")
	}
	for _, a := range amr {
		s, ok := a.(string)
		if !ok {
			return nil, refuse("claim_type")
		}
		c.Amr = append(c.Amr, s)
	}
	if c.Iss != e.Issuer {
		return nil, refuse("iss")
	}
	if !audienceMatches(raw["aud"], e.Audience) {
		return nil, refuse("aud")
	}
	if c.Sub != e.Sub {
		return nil, refuse("sub")
	}
	now, leeway := float64(e.Now), float64(e.Leeway)
	if c.Exp <= now-leeway {
		return nil, refuse("expired")
	}
	nbf, hasNbf := numericDate(raw["nbf"])
	if c.Iat > now+leeway || (hasNbf && nbf > now+leeway) {
		return nil, refuse("not_yet_valid")
	}
	if c.Exp-c.Iat > float64(e.MaxLifetime) {
		return nil, refuse("lifetime")
	}
	if c.AuthTime > c.Iat {
		return nil, refuse("auth_time")
	}
	if c.Resource != e.Resource {
		return nil, refuse("resource")
	}
	if c.Action != e.Action {
		return nil, refuse("action")
	}
	if e.SessionID != "" && c.Ssn != SessionClaim(e.SessionID) {
		return nil, refuse("session")
	}
	if !contains(e.AcrValues, c.Acr) {
		return nil, refuse("acr")
	}
	if now-c.AuthTime > float64(e.MaxAge) {
		return nil, refuse("max_age")
	}
	return c, nil
}

func audienceMatches(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, v := range a {
			if v == want {
				return true
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
