"""Runs test/vectors/step-up-tokens.json through verify_step_up_token.

    /usr/bin/python3 check_vectors.py [path/to/step-up-tokens.json]

Prints one JSON line per vector ({"name", "verdict", "reason"}) and exits 1 on any mismatch.
"""
import json
import os
import sys

from mfa_guard import KeySet, Refused, verify_step_up_token

HERE = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "test", "vectors", "step-up-tokens.json")
with open(path, encoding="utf-8") as f:
    file = json.load(f)
keys = KeySet(jwks=file["jwks"])
mismatches = 0
for v in file["vectors"]:
    route, session = v["route"], v["session"]
    try:
        verify_step_up_token(
            v["token"], keys, issuer=file["issuer"], audience=file["audience"], sub=session["sub"],
            session_id=session["sessionId"], resource=route["resource"], action=route["action"],
            acr_values=route["acrValues"], max_age=route["maxAge"], max_lifetime=file["maxLifetime"],
            leeway=file["clockTolerance"]["recommended"], now=file["now"])
        verdict, reason = "accept", "ok"
    except Refused as refused:
        verdict, reason = "reject", refused.reason
    ok = verdict == v["verdict"] and reason == v["reason"]
    mismatches += not ok
    print(json.dumps({"name": v["name"], "verdict": verdict, "reason": reason, "match": ok}))
print(f"python: {len(file['vectors']) - mismatches}/{len(file['vectors'])} vectors match", file=sys.stderr)
sys.exit(1 if mismatches else 0)
