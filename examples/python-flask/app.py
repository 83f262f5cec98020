"""A Flask backend guarded by step-up tokens of an mfa-elements service.

    APP_SESSION_SECRET=… MFA_SERVICE_URL=http://127.0.0.1:8787 /usr/bin/python3 app.py

The app session is an HS256 JWT `{sub, sid, exp}` in the `app_session` cookie (the same
assertion the service verifies with MFA_SESSION_SECRET); replace `current_user` with your own
session lookup. See README.md.
"""
import os
import sys

import jwt
from flask import Flask, g, jsonify, request

from mfa_guard import MfaGuard

SECRET = os.environ.get("APP_SESSION_SECRET")
if not SECRET:
    sys.exit("python-flask example: set APP_SESSION_SECRET (the service's MFA_SESSION_SECRET)")
COOKIE = os.environ.get("APP_SESSION_COOKIE", "app_session")


def current_user(req):
    """(sub, session id) of a valid app session, else None."""
    raw = req.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        claims = jwt.decode(raw, SECRET, algorithms=["HS256"], options={"require": ["sub", "sid", "exp"]})
    except jwt.InvalidTokenError:
        return None
    return (claims["sub"], claims["sid"]) if isinstance(claims["sub"], str) and isinstance(claims["sid"], str) else None


app = Flask(__name__)
app.json.sort_keys = False  # keep the Node guard's key order in the 401 body
guard = MfaGuard.from_env(current_user=current_user)
mfa_validation_required = guard.mfa_validation_required  # Q2's SDK spelling


@app.post("/transfer")
@mfa_validation_required("payments", "transfer")
def transfer():
    return jsonify(ok=True, sub=g.step_up["sub"], amr=g.step_up["amr"])


@app.get("/statements")
@mfa_validation_required("statements", "read", one_time=True)
def statements():
    return jsonify(ok=True, sub=g.step_up["sub"], statements=[])


@app.get("/health")
def health():
    return jsonify(ok=True)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8090"))
    print(f"python-flask example listening on http://127.0.0.1:{port}", flush=True)
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=port)
