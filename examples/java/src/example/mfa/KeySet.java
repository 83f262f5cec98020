package example.mfa;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ed25519 keys by kid. With a URL: cached for the TTL (or a shorter Cache-Control max-age),
 * refetched on an unknown kid at most once per `minRefetch`, old keys kept when a fetch fails.
 */
public final class KeySet implements StepUpVerifier.KeyLookup {
    private static final Pattern MAX_AGE = Pattern.compile("max-age=(\\d+)");
    private final String url;
    private final Duration ttl = Duration.ofMinutes(5);
    private Duration minRefetch = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Map<String, PublicKey> keys;
    private long fetchedAt, expiresAt;

    private KeySet(String url, Map<String, PublicKey> keys) {
        this.url = url;
        this.keys = keys;
    }

    /** Fetches from url; an unknown kid refetches at most once per `minRefetch`. */
    public static KeySet fetching(String url, Duration minRefetch) {
        KeySet ks = new KeySet(url, null);
        ks.minRefetch = minRefetch;
        return ks;
    }

    public static KeySet fixed(Object jwks) { return new KeySet(null, load(jwks)); }

    @SuppressWarnings("unchecked")
    private static Map<String, PublicKey> load(Object jwks) {
        Map<String, PublicKey> out = new HashMap<>();
        Object list = jwks instanceof Map ? ((Map<String, Object>) jwks).get("keys") : null;
        if (!(list instanceof List)) return out;
        for (Object o : (List<Object>) list) {
            if (!(o instanceof Map)) continue;
            Map<String, Object> k = (Map<String, Object>) o;
            if (!"OKP".equals(k.get("kty")) || !"Ed25519".equals(k.get("crv")) || !(k.get("kid") instanceof String) || !(k.get("x") instanceof String)) continue;
            try {
                out.put((String) k.get("kid"), StepUpVerifier.ed25519FromX((String) k.get("x")));
            } catch (GeneralSecurityException | IllegalArgumentException ignored) {
                // a key we cannot use is a key we do not have
            }
        }
        return out;
    }

    private void fetch(long now) throws StepUpVerifier.Unavailable {
        fetchedAt = now;
        try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) throw new java.io.IOException("status " + res.statusCode());
            keys = load(Json.parse(res.body()));
            long life = ttl.toMillis();
            Matcher m = MAX_AGE.matcher(res.headers().firstValue("cache-control").orElse(""));
            if (m.find()) life = Math.min(life, Long.parseLong(m.group(1)) * 1000);
            expiresAt = now + life;
        } catch (Exception ex) {
            if (ex instanceof InterruptedException) Thread.currentThread().interrupt();
            if (keys == null) throw new StepUpVerifier.Unavailable("JWKS " + url + ": " + ex.getMessage(), ex);
            expiresAt = now + minRefetch.toMillis(); // keep the keys we have; try again no sooner than minRefetch
        }
    }

    @Override
    public synchronized PublicKey get(String kid) throws StepUpVerifier.Unavailable {
        if (url != null) {
            long now = System.currentTimeMillis();
            if (keys == null || now > expiresAt) fetch(now);
            else if (!keys.containsKey(kid) && now - fetchedAt > minRefetch.toMillis()) fetch(now);
        }
        return keys.get(kid);
    }
}
