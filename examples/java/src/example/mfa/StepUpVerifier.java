package example.mfa;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** The checklist of docs/verify-anywhere.md with the JDK only (Ed25519 via java.security). */
public final class StepUpVerifier {
    public static final String TOKEN_TYPE = "mfa-step-up+jwt";
    public static final String TOKEN_HEADER = "Step-Up-Token";
    /** Compact serialization, base64url without padding (RFC 7515 section 7.1); alg "none" has no signature. */
    private static final java.util.regex.Pattern COMPACT_JWS = java.util.regex.Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");
    private static final String[] REQUIRED = {"iss", "aud", "sub", "jti", "sid", "ssn", "resource", "action", "acr", "amr", "auth_time", "iat", "exp"};
    private static final String[] STRINGS = {"iss", "sub", "jti", "sid", "ssn", "resource", "action", "acr"};
    /** NumericDate: seconds, not necessarily whole (RFC 7519 section 2). */
    private static final String[] DATES = {"auth_time", "iat", "exp"};

    private StepUpVerifier() {}

    /** The first check a token fails, named as in the vectors file. */
    public static final class Refused extends Exception {
        public final String reason;
        private static final long serialVersionUID = 1L;
        public Refused(String reason) { super("step-up token refused: " + reason); this.reason = reason; }
    }

    /** Keys could not be fetched: the guard fails closed with 503. */
    public static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;
        public Unavailable(String message, Throwable cause) { super(message, cause); }
    }

    public interface KeyLookup {
        /** The key of kid, or null when the set has none. */
        PublicKey get(String kid) throws Unavailable;
    }

    /** What the route and the request require. `sessionId` null skips the ssn check. */
    public static final class Expectation {
        public String issuer, audience, sub, sessionId, resource, action;
        public List<String> acrValues = List.of("mfa");
        public long maxAge = 300, maxLifetime = 300, leeway = 30, now;
    }

    /** typ is a media type: case-insensitive, "application/" optional (RFC 7515 section 4.1.9). */
    static String mediaType(String v) {
        String lower = v.toLowerCase(java.util.Locale.ROOT);
        return lower.contains("/") ? lower : "application/" + lower;
    }

    /** An Ed25519 public key from a JWK's x (RFC 8037): little-endian y, top bit = x is odd. */
    public static PublicKey ed25519FromX(String x) throws GeneralSecurityException {
        byte[] raw = Base64.getUrlDecoder().decode(x);
        if (raw.length != 32) throw new GeneralSecurityException("Ed25519 key must be 32 bytes");
        boolean xOdd = (raw[31] & 0x80) != 0;
        byte[] be = new byte[32];
        for (int k = 0; k < 32; k++) be[k] = raw[31 - k];
        be[0] &= 0x7f;
        EdECPoint point = new EdECPoint(xOdd, new BigInteger(1, be));
        return KeyFactory.getInstance("EdDSA").generatePublic(new EdECPublicKeySpec(NamedParameterSpec.ED25519, point));
    }

    /** The token's `ssn`: base64url(SHA-256("mfa-ssn:" + session id)), first 32 characters. */
    public static String sessionClaim(String sessionId) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(("mfa-ssn:" + sessionId).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d).substring(0, 32);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> segment(String s) throws Refused {
        try {
            Object v = Json.parse(new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8));
            if (v instanceof Map) return (Map<String, Object>) v;
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw new Refused("malformed");
    }

    /** Returns the claims, or throws Refused(reason) / Unavailable. */
    public static Map<String, Object> verify(String token, KeyLookup keys, Expectation e) throws Refused, Unavailable {
        if (!COMPACT_JWS.matcher(token).matches()) throw new Refused("malformed");
        String[] parts = token.split("\\.", -1);
        Map<String, Object> header = segment(parts[0]);
        if (!"EdDSA".equals(header.get("alg"))) throw new Refused("alg");
        if (header.containsKey("crit")) throw new Refused("crit"); // we understand no JWS extension, so none may be critical
        if (!(header.get("typ") instanceof String) || !mediaType((String) header.get("typ")).equals(mediaType(TOKEN_TYPE))) throw new Refused("typ");
        if (!(header.get("kid") instanceof String)) throw new Refused("kid");
        PublicKey key = keys.get((String) header.get("kid"));
        if (key == null) throw new Refused("kid");
        try {
            Signature sig = Signature.getInstance("Ed25519");
            sig.initVerify(key);
            sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!sig.verify(Base64.getUrlDecoder().decode(parts[2]))) throw new Refused("signature");
        } catch (GeneralSecurityException | IllegalArgumentException ex) {
            throw new Refused("signature");
        }
        Map<String, Object> c = segment(parts[1]);
        for (String name : REQUIRED) if (!c.containsKey(name)) throw new Refused("missing_claim");
        for (String name : STRINGS) if (!(c.get(name) instanceof String)) throw new Refused("claim_type");
        for (String name : DATES) if (!(c.get(name) instanceof Number)) throw new Refused("claim_type");
        if (!(c.get("amr") instanceof List)) throw new Refused("claim_type");
        for (Object a : (List<?>) c.get("amr")) if (!(a instanceof String)) throw new Refused("claim_type");
        double exp = ((Number) c.get("exp")).doubleValue(), iat = ((Number) c.get("iat")).doubleValue(), authTime = ((Number) c.get("auth_time")).doubleValue();
        if (!e.issuer.equals(c.get("iss"))) throw new Refused("iss");
        Object aud = c.get("aud");
        if (!(e.audience.equals(aud) || (aud instanceof List && ((List<?>) aud).contains(e.audience)))) throw new Refused("aud");
        if (!e.sub.equals(c.get("sub"))) throw new Refused("sub");
        if (exp <= e.now - e.leeway) throw new Refused("expired");
        Object nbf = c.get("nbf");
        if (iat > e.now + e.leeway || (nbf instanceof Number && ((Number) nbf).doubleValue() > e.now + e.leeway)) throw new Refused("not_yet_valid");
        if (exp - iat > e.maxLifetime) throw new Refused("lifetime");
        if (authTime > iat) throw new Refused("auth_time");
        if (!e.resource.equals(c.get("resource"))) throw new Refused("resource");
        if (!e.action.equals(c.get("action"))) throw new Refused("action");
        if (e.sessionId != null && !sessionClaim(e.sessionId).equals(c.get("ssn"))) throw new Refused("session");
        if (!e.acrValues.contains(c.get("acr"))) throw new Refused("acr");
        if (e.now - authTime > e.maxAge) throw new Refused("max_age");
        return c;
    }
}
