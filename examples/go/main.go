// An HTTP backend guarded by mfa-elements step-up tokens, standard library only.
//
//	go run . serve             # APP_SESSION_SECRET=… MFA_SERVICE_URL=http://127.0.0.1:8787
//	go run . vectors [file]    # checks test/vectors/step-up-tokens.json, exit 1 on a mismatch
//
// See README.md.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"example.test/mfa-elements-go/mfaguard"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "vectors" {
		file := "../../test/vectors/step-up-tokens.json"
		if len(os.Args) > 2 {
			file = os.Args[2]
		}
		os.Exit(checkVectors(file))
	}
	serve()
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go example: "+format+"\n", args...)
	os.Exit(1)
}

// seconds reads a whole number of seconds from the environment, or stops start-up.
func seconds(name, fallback string) int64 {
	v := env(name, fallback)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		fail("%s must be a whole number of seconds, not %q", name, v)
	}
	return n
}

// discovery reads the service's metadata (issuer, jwks_uri, token_audience, introspection_endpoint).
func discovery(service string) map[string]any {
	res, err := http.Get(service + "/mfa/.well-known/mfa-configuration")
	if err != nil {
		fail("discovery: %v (or set MFA_ISSUER and MFA_JWKS_URL)", err)
	}
	defer res.Body.Close()
	var meta map[string]any
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&meta) != nil {
		fail("discovery: %s answered %d (or set MFA_ISSUER and MFA_JWKS_URL)", service, res.StatusCode)
	}
	return meta
}

func serve() {
	secret := os.Getenv("APP_SESSION_SECRET")
	if secret == "" {
		fail("set APP_SESSION_SECRET (the service's MFA_SESSION_SECRET)")
	}
	service := strings.TrimRight(os.Getenv("MFA_SERVICE_URL"), "/")
	meta := map[string]any{}
	if os.Getenv("MFA_ISSUER") == "" || os.Getenv("MFA_JWKS_URL") == "" {
		if service == "" {
			fail("set MFA_SERVICE_URL (or MFA_ISSUER and MFA_JWKS_URL)")
		}
		meta = discovery(service)
	}
	str := func(k, fallback string) string {
		if s, ok := meta[k].(string); ok && s != "" {
			return s
		}
		return fallback
	}
	introspection := ""
	if service != "" {
		introspection = service + "/mfa/introspect"
	}
	lifetime := seconds("MFA_MAX_LIFETIME", "300")
	leeway := seconds("MFA_CLOCK_TOLERANCE", "30")
	refetch := seconds("MFA_JWKS_REFETCH_INTERVAL", "30")
	cookie := env("APP_SESSION_COOKIE", "app_session")
	issuer, jwksURL := env("MFA_ISSUER", str("issuer", "")), env("MFA_JWKS_URL", str("jwks_uri", ""))
	if issuer == "" || jwksURL == "" {
		fail("the discovery document names no issuer or jwks_uri")
	}
	keys := mfaguard.NewKeySet(jwksURL)
	keys.MinRefetch = time.Duration(refetch) * time.Second
	g := &mfaguard.Guard{
		Issuer:           issuer,
		Audience:         env("MFA_AUDIENCE", str("token_audience", "mfa-elements:step-up")),
		Keys:             keys,
		IntrospectionURL: env("MFA_INTROSPECTION_URL", str("introspection_endpoint", introspection)),
		AdminToken:       os.Getenv("MFA_ADMIN_TOKEN"),
		ClientID:         os.Getenv("MFA_CLIENT_ID"),
		ClientSecret:     os.Getenv("MFA_CLIENT_SECRET"),
		AcceptBearer:     os.Getenv("MFA_ACCEPT_BEARER") == "1",
		MaxLifetime:      lifetime,
		Leeway:           leeway,
		CurrentUser: func(r *http.Request) (string, string, bool) {
			c, err := r.Cookie(cookie)
			if err != nil {
				return "", "", false
			}
			return appSession(c.Value, []byte(secret))
		},
	}

	mux := http.NewServeMux()
	mux.Handle("/transfer", onlyMethod(http.MethodPost, g.Require(mfaguard.Route{Resource: "payments", Action: "transfer"},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := mfaguard.ClaimsFrom(r)
			writeJSON(w, map[string]any{"ok": true, "sub": c.Sub, "amr": c.Amr})
		}))))
	mux.Handle("/statements", onlyMethod(http.MethodGet, g.Require(mfaguard.Route{Resource: "statements", Action: "read", OneTime: true},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, map[string]any{"ok": true, "sub": mfaguard.ClaimsFrom(r).Sub, "statements": []any{}})
		}))))
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, map[string]any{"ok": true}) })

	addr := env("HOST", "127.0.0.1") + ":" + env("PORT", "8091")
	log.Printf("go example listening on http://%s", addr)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

func onlyMethod(method string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(body)
}

// appSession verifies the app-session assertion: an HS256 JWT {sub, sid, exp}.
func appSession(token string, secret []byte) (string, string, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", "", false
	}
	var header struct{ Alg string }
	var claims struct {
		Sub, Sid string
		Exp      int64
	}
	h, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	p, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(h, &header) != nil || header.Alg != "HS256" {
		return "", "", false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) || json.Unmarshal(p, &claims) != nil {
		return "", "", false
	}
	if claims.Sub == "" || claims.Sid == "" || claims.Exp <= time.Now().Unix() {
		return "", "", false
	}
	return claims.Sub, claims.Sid, true
}

// checkVectors prints one JSON line per vector and returns the exit code.
func checkVectors(path string) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	var file struct {
		Now            int64                       `json:"now"`
		Issuer         string                      `json:"issuer"`
		Audience       string                      `json:"audience"`
		MaxLifetime    int64                       `json:"maxLifetime"`
		ClockTolerance struct{ Recommended int64 } `json:"clockTolerance"`
		JWKS           mfaguard.JWKS               `json:"jwks"`
		Vectors        []struct {
			Name, Token, Verdict, Reason string
			Route                        struct {
				Resource, Action string
				MaxAge           int64
				AcrValues        []string
			}
			Session struct{ Sub, SessionID string }
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		fail("%s: %v", path, err)
	}
	keys := mfaguard.StaticKeySet(file.JWKS)
	mismatches := 0
	out := json.NewEncoder(os.Stdout)
	for _, v := range file.Vectors {
		verdict, reason := "accept", "ok"
		_, err := mfaguard.Verify(v.Token, keys, mfaguard.Expectation{
			Issuer: file.Issuer, Audience: file.Audience, Sub: v.Session.Sub, SessionID: v.Session.SessionID,
			Resource: v.Route.Resource, Action: v.Route.Action, AcrValues: v.Route.AcrValues, MaxAge: v.Route.MaxAge,
			MaxLifetime: file.MaxLifetime, Leeway: file.ClockTolerance.Recommended, Now: file.Now,
		})
		if err != nil {
			verdict, reason = "reject", err.(*mfaguard.Refused).Reason
		}
		match := verdict == v.Verdict && reason == v.Reason
		if !match {
			mismatches++
		}
		_ = out.Encode(map[string]any{"name": v.Name, "verdict": verdict, "reason": reason, "match": match})
	}
	fmt.Fprintf(os.Stderr, "go: %d/%d vectors match\n", len(file.Vectors)-mismatches, len(file.Vectors))
	if mismatches > 0 {
		return 1
	}
	return 0
}
