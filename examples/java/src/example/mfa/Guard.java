package example.mfa;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Wraps com.sun.net.httpserver handlers so they run only with a valid step-up token. */
public final class Guard {
    /** The app session of a request: `{sub, sessionId}`, or null without one. */
    public interface Sessions {
        String[] current(HttpExchange exchange);
    }

    /** A guarded handler also gets the verified claims. */
    public interface Guarded {
        void handle(HttpExchange exchange, Map<String, Object> claims) throws IOException;
    }

    public String issuer, audience, introspectionUrl, adminToken, clientId, clientSecret;
    public StepUpVerifier.KeyLookup keys;
    public Sessions sessions;
    public boolean acceptBearer;
    public long maxLifetime = 300, leeway = 30;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, Object> error(String code, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("code", code);
        e.put("message", message);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e);
        return body;
    }

    /** The RFC 9470 answer, exactly as the Node guard sends it. */
    public static void stepUpRequired(HttpExchange ex, String resource, String action, List<String> acrValues, long maxAge) throws IOException {
        String acr = String.join(" ", acrValues);
        Map<String, Object> body = error("insufficient_user_authentication", "A fresh second-factor check is needed for " + resource + "/" + action + ".");
        body.put("resource", resource);
        body.put("action", action);
        body.put("acr_values", acr);
        body.put("max_age", maxAge);
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"insufficient_user_authentication\", acr_values=\"" + acr + "\", max_age=" + maxAge);
        sendJson(ex, 401, body);
    }

    private String token(HttpExchange ex) {
        String t = ex.getRequestHeaders().getFirst(StepUpVerifier.TOKEN_HEADER);
        if (t != null && !t.isEmpty()) return t;
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (acceptBearer && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) return auth.substring(7).trim();
        return null;
    }

    private static String form(String v) { return URLEncoder.encode(v, StandardCharsets.UTF_8); }

    /** RFC 7662 introspection with consume=true: the service answers active once, on every instance. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> introspect(String token) throws StepUpVerifier.Unavailable {
        if (introspectionUrl == null) throw new StepUpVerifier.Unavailable("no introspection endpoint configured", null);
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(introspectionUrl)).timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("token=" + form(token) + "&consume=true"));
        if (adminToken != null) req.header("Authorization", "Bearer " + adminToken);
        else if (clientId != null) req.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((form(clientId) + ":" + form(clientSecret == null ? "" : clientSecret)).getBytes(StandardCharsets.UTF_8)));
        try {
            HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) throw new IOException("status " + res.statusCode());
            Object answer = Json.parse(res.body());
            if (!(answer instanceof Map)) throw new IOException("not an object");
            return (Map<String, Object>) answer;
        } catch (Exception ex) {
            if (ex instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new StepUpVerifier.Unavailable("introspection: " + ex.getMessage(), ex);
        }
    }

    /**
     * `maxAge` 0 means the token lifetime (300 s), as in the Node guard; `oneTime` consumes the
     * token at the service, so it opens this route once across every instance.
     */
    public HttpHandler require(String resource, String action, List<String> acrValues, long maxAge, boolean oneTime, Guarded next) {
        long age = maxAge > 0 ? maxAge : maxLifetime;
        return ex -> {
            try {
                String[] user = sessions.current(ex);
                if (user == null) {
                    sendJson(ex, 401, error("unauthenticated", "Sign in first."));
                    return;
                }
                String token = token(ex);
                if (token == null) {
                    stepUpRequired(ex, resource, action, acrValues, age);
                    return;
                }
                StepUpVerifier.Expectation e = new StepUpVerifier.Expectation();
                e.issuer = issuer;
                e.audience = audience;
                e.sub = user[0];
                e.sessionId = user[1];
                e.resource = resource;
                e.action = action;
                e.acrValues = acrValues;
                e.maxAge = age;
                e.maxLifetime = maxLifetime;
                e.leeway = leeway;
                e.now = System.currentTimeMillis() / 1000;
                Map<String, Object> claims;
                try {
                    claims = StepUpVerifier.verify(token, keys, e);
                    if (oneTime) {
                        Map<String, Object> answer = introspect(token);
                        Object jti = answer.getOrDefault("jti", claims.get("jti"));
                        if (!Boolean.TRUE.equals(answer.get("active")) || !claims.get("jti").equals(jti)) throw new StepUpVerifier.Refused("consumed");
                    }
                } catch (StepUpVerifier.Refused r) {
                    stepUpRequired(ex, resource, action, acrValues, age);
                    return;
                } catch (StepUpVerifier.Unavailable u) {
                    sendJson(ex, 503, error("unavailable", "The service is unavailable right now. Try again."));
                    return;
                }
                next.handle(ex, claims);
            } finally {
                ex.close();
            }
        };
    }
}
