package mfaguard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Guard checks step-up tokens on net/http handlers.
type Guard struct {
	Issuer, Audience string
	Keys             KeyLookup
	// CurrentUser returns the app session's user and session id; ok=false without a session.
	CurrentUser func(r *http.Request) (sub, sessionID string, ok bool)
	// IntrospectionURL, with AdminToken or ClientID/ClientSecret, serves one-time routes.
	IntrospectionURL, AdminToken, ClientID, ClientSecret string
	AcceptBearer                                         bool
	MaxLifetime, Leeway                                  int64
	Client                                               *http.Client
}

// Route is what a guarded route requires.
type Route struct {
	Resource, Action string
	AcrValues        []string // default ["mfa"]
	MaxAge           int64    // default the token lifetime (300 s)
	OneTime          bool     // consume the token at the service (introspection, consume=true)
}

type ctxKey struct{}

// ClaimsFrom returns the verified step-up claims inside a guarded handler.
func ClaimsFrom(r *http.Request) *Claims { c, _ := r.Context().Value(ctxKey{}).(*Claims); return c }

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// StepUpRequired writes the RFC 9470 answer exactly as the Node guard does.
func StepUpRequired(w http.ResponseWriter, rt Route, maxAge int64) {
	acr := strings.Join(rt.AcrValues, " ")
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_user_authentication", acr_values="%s", max_age=%d`, acr, maxAge))
	writeJSON(w, http.StatusUnauthorized, struct {
		Error     errorBody `json:"error"`
		Resource  string    `json:"resource"`
		Action    string    `json:"action"`
		AcrValues string    `json:"acr_values"`
		MaxAge    int64     `json:"max_age"`
	}{errorBody{"insufficient_user_authentication", fmt.Sprintf("A fresh second-factor check is needed for %s/%s.", rt.Resource, rt.Action)}, rt.Resource, rt.Action, acr, maxAge})
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, struct {
		Error errorBody `json:"error"`
	}{errorBody{code, message}})
}

func (g *Guard) token(r *http.Request) string {
	if t := r.Header.Get(TokenHeader); t != "" {
		return t
	}
	if auth := r.Header.Get("Authorization"); g.AcceptBearer && len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}

// Introspect asks the service (RFC 7662) about token and consumes it: active only once, on every instance.
func (g *Guard) Introspect(token string) (map[string]any, error) {
	if g.IntrospectionURL == "" {
		return nil, errors.New("no introspection endpoint configured")
	}
	form := url.Values{"token": {token}, "consume": {"true"}}
	req, err := http.NewRequest(http.MethodPost, g.IntrospectionURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if g.AdminToken != "" {
		req.Header.Set("Authorization", "Bearer "+g.AdminToken)
	} else if g.ClientID != "" {
		req.SetBasicAuth(url.QueryEscape(g.ClientID), url.QueryEscape(g.ClientSecret))
	}
	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("introspection: status %d", res.StatusCode)
	}
	var answer map[string]any
	return answer, json.NewDecoder(res.Body).Decode(&answer)
}

// Require wraps next so it runs only with a valid step-up token for rt.
func (g *Guard) Require(rt Route, next http.Handler) http.Handler {
	if len(rt.AcrValues) == 0 {
		rt.AcrValues = []string{"mfa"}
	}
	maxAge := rt.MaxAge
	if maxAge == 0 {
		maxAge = g.MaxLifetime
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub, sessionID, ok := g.CurrentUser(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, "unauthenticated", "Sign in first.")
			return
		}
		token := g.token(r)
		if token == "" {
			StepUpRequired(w, rt, maxAge)
			return
		}
		claims, err := Verify(token, g.Keys, Expectation{
			Issuer: g.Issuer, Audience: g.Audience, Sub: sub, SessionID: sessionID,
			Resource: rt.Resource, Action: rt.Action, AcrValues: rt.AcrValues, MaxAge: maxAge,
			MaxLifetime: g.MaxLifetime, Leeway: g.Leeway, Now: time.Now().Unix(),
		})
		if err == nil && rt.OneTime {
			var answer map[string]any
			if answer, err = g.Introspect(token); err == nil {
				if active, _ := answer["active"].(bool); !active {
					err = refuse("consumed")
				} else if jti, present := answer["jti"]; present && jti != claims.Jti {
					err = refuse("consumed")
				}
			}
		}
		var refused *Refused
		switch {
		case errors.As(err, &refused):
			StepUpRequired(w, rt, maxAge)
		case err != nil:
			// Keys or introspection unreachable: fail closed.
			writeError(w, http.StatusServiceUnavailable, "unavailable", "The service is unavailable right now. Try again.")
		default:
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, claims)))
		}
	})
}
