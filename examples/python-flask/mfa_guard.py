"""Step-up token verification for Flask, the checklist of docs/verify-anywhere.md.

Debian packages only: python3-flask, python3-jwt, python3-cryptography.

    guard = MfaGuard.from_env(current_user=my_session_lookup)

    @app.post("/transfer")
    @guard.mfa_validation_required("payments", "transfer")
    def transfer(): ...

`current_user(request)` returns `(sub, session_id)` of the app session, or None.
"""
import base64
import functools
import hashlib
import json
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import jwt
from flask import g, jsonify, make_response, request

TOKEN_TYPE = "mfa-step-up+jwt"
TOKEN_HEADER = "Step-Up-Token"
# Compact serialization, base64url without padding (RFC 7515 section 7.1); alg "none" has no signature.
COMPACT_JWS = re.compile(r"\A[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\Z")
REQUIRED = {
    "iss": str, "aud": (str, list), "sub": str, "jti": str, "sid": str, "ssn": str,
    "resource": str, "action": str, "acr": str, "amr": list,
    # NumericDate: seconds, not necessarily whole (RFC 7519 section 2).
    "auth_time": (int, float), "iat": (int, float), "exp": (int, float),
}


class Refused(Exception):
    """The token fails the check named by `reason` (the vocabulary of the vectors file)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class Unavailable(Exception):
    """Keys or introspection could not be reached: fail closed with 503."""


def session_claim(session_id):
    """The token's `ssn`: base64url(SHA-256("mfa-ssn:" + session id)), first 32 characters."""
    digest = hashlib.sha256(("mfa-ssn:" + session_id).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def _media_type(value):
    """typ is a media type: case-insensitive, "application/" optional (RFC 7515 section 4.1.9)."""
    value = value.lower()
    return value if "/" in value else "application/" + value


def _not_json(constant):
    """Python's json takes NaN and Infinity; JSON (RFC 8259) has neither, and NaN compares false to everything."""
    raise ValueError(f"{constant} is not JSON")


def _b64json(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)), parse_constant=_not_json)


class KeySet:
    """JWKS by kid: cached, refetched on an unknown kid at most once per `min_refetch` seconds."""

    def __init__(self, url=None, jwks=None, ttl=300, min_refetch=30, clock=time.monotonic):
        self.url, self.ttl, self.min_refetch, self.clock = url, ttl, min_refetch, clock
        self.keys, self.fetched_at, self.ttl_now, self.lock = {}, None, ttl, threading.Lock()
        if jwks is not None:
            self._load(jwks)
            self.fetched_at = float("inf")  # static: never refetched

    def _load(self, jwks):
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise ValueError("not a JWKS")
        keys = {}
        for k in jwks["keys"]:
            if isinstance(k, dict) and k.get("kty") == "OKP" and k.get("crv") == "Ed25519" and isinstance(k.get("kid"), str):
                try:
                    keys[k["kid"]] = jwt.PyJWK(k, "EdDSA").key
                except jwt.PyJWKError:
                    pass  # a key we cannot use is a key we do not have
        self.keys = keys

    def _fetch(self):
        try:
            with urllib.request.urlopen(self.url, timeout=5) as res:
                self._load(json.load(res))
                cache = res.headers.get("Cache-Control", "")
        except (OSError, ValueError) as err:
            if not self.keys:
                raise Unavailable(f"JWKS {self.url}: {err}") from err
            # Keep serving the keys we have; try again no sooner than min_refetch.
            self.fetched_at, self.ttl_now = self.clock(), self.min_refetch
            return
        max_age = [p.split("=", 1)[1] for p in cache.replace(" ", "").split(",") if p.startswith("max-age=")]
        self.ttl_now = min(self.ttl, int(max_age[0])) if max_age and max_age[0].isdigit() else self.ttl
        self.fetched_at = self.clock()

    def get(self, kid):
        with self.lock:
            now = self.clock()
            if self.fetched_at is None or now - self.fetched_at > self.ttl_now:
                self._fetch()
            elif kid not in self.keys and now - self.fetched_at > self.min_refetch:
                self._fetch()  # rotation: a new kid appears before our cache expires
            return self.keys.get(kid)


def verify_step_up_token(token, keys, *, issuer, audience, sub, session_id, resource, action,
                         acr_values=("mfa",), max_age=300, max_lifetime=300, leeway=30, now=None):
    """Returns the claims, or raises Refused(reason). `session_id=None` skips the ssn check."""
    now = int(time.time()) if now is None else now
    if not isinstance(token, str) or not COMPACT_JWS.match(token):
        raise Refused("malformed")
    parts = token.split(".")
    try:
        header = _b64json(parts[0])
        if not isinstance(header, dict):
            raise ValueError("header is not an object")
    except ValueError as err:
        raise Refused("malformed") from err
    if header.get("alg") != "EdDSA":
        raise Refused("alg")
    if "crit" in header:
        raise Refused("crit")  # we understand no JWS extension, so none may be critical
    typ = header.get("typ")
    if not isinstance(typ, str) or _media_type(typ) != _media_type(TOKEN_TYPE):
        raise Refused("typ")
    key = keys.get(header["kid"]) if isinstance(header.get("kid"), str) else None
    if key is None:
        raise Refused("kid")
    try:
        # PyJWT checks the signature only; the claims are parsed and checked below, on our clock.
        payload = jwt.PyJWS().decode(token, key, algorithms=["EdDSA"])
    except jwt.InvalidSignatureError as err:
        raise Refused("signature") from err
    except jwt.InvalidTokenError as err:
        raise Refused("malformed") from err
    try:
        claims = json.loads(payload, parse_constant=_not_json)
    except ValueError as err:
        raise Refused("malformed") from err
    if not isinstance(claims, dict):
        raise Refused("malformed")
    for name, kind in REQUIRED.items():
        if name not in claims:
            raise Refused("missing_claim")
        value = claims[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise Refused("claim_type")
    if not all(isinstance(a, str) for a in claims["amr"]):
        raise Refused("claim_type")
    if claims["iss"] != issuer:
        raise Refused("iss")
    aud = claims["aud"]
    if audience not in (aud if isinstance(aud, list) else [aud]):
        raise Refused("aud")
    if claims["sub"] != sub:
        raise Refused("sub")
    if claims["exp"] <= now - leeway:
        raise Refused("expired")
    nbf = claims.get("nbf")
    if claims["iat"] > now + leeway or (isinstance(nbf, (int, float)) and nbf > now + leeway):
        raise Refused("not_yet_valid")
    if claims["exp"] - claims["iat"] > max_lifetime:
        raise Refused("lifetime")
    if claims["auth_time"] > claims["iat"]:
        raise Refused("auth_time")
    if claims["resource"] != resource:
        raise Refused("resource")
    if claims["action"] != action:
        raise Refused("action")
    if session_id is not None and claims["ssn"] != session_claim(session_id):
        raise Refused("session")
    if claims["acr"] not in acr_values:
        raise Refused("acr")
    if now - claims["auth_time"] > max_age:
        raise Refused("max_age")
    return claims


def _json(status, body, headers=None):
    res = make_response(jsonify(body), status)
    res.headers["Cache-Control"] = "no-store"
    for k, v in (headers or {}).items():
        res.headers[k] = v
    return res


def step_up_required(resource, action, acr_values, max_age):
    """The RFC 9470 answer, byte for byte what the Node guard sends."""
    acr = " ".join(acr_values)
    return _json(401, {
        "error": {"code": "insufficient_user_authentication",
                  "message": f"A fresh second-factor check is needed for {resource}/{action}."},
        "resource": resource, "action": action, "acr_values": acr, "max_age": max_age,
    }, {"WWW-Authenticate": f'Bearer error="insufficient_user_authentication", acr_values="{acr}", max_age={max_age}'})


def _error(status, code, message):
    return _json(status, {"error": {"code": code, "message": message}})


class MfaGuard:
    def __init__(self, *, current_user, keys, issuer, audience, introspection_url=None,
                 admin_token=None, client_id=None, client_secret=None, accept_bearer=False,
                 max_lifetime=300, leeway=30):
        self.current_user, self.keys = current_user, keys
        self.issuer, self.audience = issuer, audience
        self.introspection_url, self.admin_token = introspection_url, admin_token
        self.client_id, self.client_secret = client_id, client_secret
        self.accept_bearer, self.max_lifetime, self.leeway = accept_bearer, max_lifetime, leeway

    @classmethod
    def from_env(cls, current_user, env=os.environ):
        """MFA_SERVICE_URL, or MFA_ISSUER/MFA_AUDIENCE/MFA_JWKS_URL/MFA_INTROSPECTION_URL explicitly.

        Unset values come from the service's discovery document
        ({MFA_SERVICE_URL}/mfa/.well-known/mfa-configuration)."""
        def fail(message):
            raise SystemExit("mfa guard: " + message)

        def seconds(name, default):
            value = env.get(name, default)
            if not value.isdigit():
                fail(f"{name} must be a whole number of seconds, not {value!r}")
            return int(value)

        service = env.get("MFA_SERVICE_URL", "").rstrip("/")
        meta = {}
        if not (env.get("MFA_ISSUER") and env.get("MFA_JWKS_URL")):
            if not service:
                fail("set MFA_SERVICE_URL (or MFA_ISSUER and MFA_JWKS_URL)")
            try:
                with urllib.request.urlopen(service + "/mfa/.well-known/mfa-configuration", timeout=5) as res:
                    meta = json.load(res)
            except (OSError, ValueError) as err:
                fail(f"discovery at {service}: {err} (or set MFA_ISSUER and MFA_JWKS_URL)")
        issuer = env.get("MFA_ISSUER") or meta.get("issuer")
        jwks_uri = env.get("MFA_JWKS_URL") or meta.get("jwks_uri")
        if not isinstance(issuer, str) or not isinstance(jwks_uri, str):
            fail("the discovery document names no issuer or jwks_uri")
        return cls(
            current_user=current_user,
            keys=KeySet(jwks_uri, min_refetch=seconds("MFA_JWKS_REFETCH_INTERVAL", "30")),
            issuer=issuer,
            audience=env.get("MFA_AUDIENCE") or meta.get("token_audience", "mfa-elements:step-up"),
            introspection_url=env.get("MFA_INTROSPECTION_URL") or meta.get("introspection_endpoint")
            or (service + "/mfa/introspect" if service else None),
            admin_token=env.get("MFA_ADMIN_TOKEN"),
            client_id=env.get("MFA_CLIENT_ID"), client_secret=env.get("MFA_CLIENT_SECRET"),
            accept_bearer=env.get("MFA_ACCEPT_BEARER") == "1",
            max_lifetime=seconds("MFA_MAX_LIFETIME", "300"),
            leeway=seconds("MFA_CLOCK_TOLERANCE", "30"),
        )

    def _token(self):
        token = request.headers.get(TOKEN_HEADER)
        if not token and self.accept_bearer:
            auth = request.headers.get("Authorization", "")
            if auth[:7].lower() == "bearer ":
                token = auth[7:].strip()
        return token

    def introspect(self, token):
        """RFC 7662 with consume=true: the service marks the token used, on every instance."""
        if not self.introspection_url:
            raise Unavailable("no introspection endpoint configured")
        req = urllib.request.Request(
            self.introspection_url, method="POST",
            data=urllib.parse.urlencode({"token": token, "consume": "true"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        if self.admin_token:
            req.add_header("Authorization", "Bearer " + self.admin_token)
        elif self.client_id:
            basic = base64.b64encode(f"{urllib.parse.quote(self.client_id)}:{urllib.parse.quote(self.client_secret or '')}".encode())
            req.add_header("Authorization", "Basic " + basic.decode())
        try:
            with urllib.request.urlopen(req, timeout=5) as res:
                return json.load(res)
        except (OSError, ValueError) as err:
            raise Unavailable(f"introspection: {err}") from err

    def mfa_validation_required(self, resource, action, one_time=False, max_age=None, acr_values=("mfa",)):
        """Q2's spelling. `max_age` defaults to the token lifetime (300 s), as in the Node guard."""
        max_age = self.max_lifetime if max_age is None else max_age

        def decorate(view):
            @functools.wraps(view)
            def guarded(*args, **kwargs):
                user = self.current_user(request)
                if user is None:
                    return _error(401, "unauthenticated", "Sign in first.")
                sub, session_id = user
                token = self._token()
                if not token:
                    return step_up_required(resource, action, acr_values, max_age)
                try:
                    claims = verify_step_up_token(
                        token, self.keys, issuer=self.issuer, audience=self.audience, sub=sub,
                        session_id=session_id, resource=resource, action=action, acr_values=acr_values,
                        max_age=max_age, max_lifetime=self.max_lifetime, leeway=self.leeway)
                    if one_time:
                        answer = self.introspect(token)
                        if answer.get("active") is not True or answer.get("jti", claims["jti"]) != claims["jti"]:
                            raise Refused("consumed")
                except Refused:
                    return step_up_required(resource, action, acr_values, max_age)
                except Unavailable:
                    return _error(503, "unavailable", "The service is unavailable right now. Try again.")
                g.step_up = claims
                return view(*args, **kwargs)
            return guarded
        return decorate
