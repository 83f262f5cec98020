package example.mfa;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An HTTP backend guarded by mfa-elements step-up tokens, JDK 17 only.
 *
 * <pre>
 *   java -cp out example.mfa.Main serve            # APP_SESSION_SECRET=dev-secret MFA_SERVICE_URL=http://127.0.0.1:8787
 *   java -cp out example.mfa.Main vectors [file]   # exit 1 on a mismatch
 * </pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("vectors")) {
            System.exit(checkVectors(args.length > 1 ? args[1] : "../../test/vectors/step-up-tokens.json"));
        }
        serve();
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }

    private static void fail(String message) {
        System.err.println("java example: " + message);
        System.exit(1);
    }

    /** A whole number of seconds from the environment, or start-up stops. */
    private static long seconds(String name, String fallback) {
        String v = env(name, fallback);
        if (!v.matches("\\d{1,9}")) fail(name + " must be a whole number of seconds, not \"" + v + "\"");
        return Long.parseLong(v);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> discovery(String service) {
        try {
            HttpResponse<String> res = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(service + "/mfa/.well-known/mfa-configuration")).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() == 200) return (Map<String, Object>) Json.parse(res.body());
            fail("discovery: " + service + " answered " + res.statusCode() + " (or set MFA_ISSUER and MFA_JWKS_URL)");
        } catch (Exception e) {
            fail("discovery: " + e.getMessage() + " (or set MFA_ISSUER and MFA_JWKS_URL)");
        }
        return null;
    }

    private static void serve() throws IOException {
        String secret = env("APP_SESSION_SECRET", null);
        if (secret == null) fail("set APP_SESSION_SECRET (the service's MFA_SESSION_SECRET)");
        String service = env("MFA_SERVICE_URL", "").replaceAll("/+$", "");
        Map<String, Object> meta = new HashMap<>();
        if (env("MFA_ISSUER", null) == null || env("MFA_JWKS_URL", null) == null) {
            if (service.isEmpty()) fail("set MFA_SERVICE_URL (or MFA_ISSUER and MFA_JWKS_URL)");
            meta = discovery(service);
        }
        Map<String, Object> m = meta;
        java.util.function.BiFunction<String, String, String> str = (k, d) -> m.get(k) instanceof String ? (String) m.get(k) : d;
        String cookie = env("APP_SESSION_COOKIE", "app_session");

        Guard g = new Guard();
        g.issuer = env("MFA_ISSUER", str.apply("issuer", null));
        String jwksUrl = env("MFA_JWKS_URL", str.apply("jwks_uri", null));
        if (g.issuer == null || jwksUrl == null) fail("the discovery document names no issuer or jwks_uri");
        g.audience = env("MFA_AUDIENCE", str.apply("token_audience", "mfa-elements:step-up"));
        g.keys = KeySet.fetching(jwksUrl, java.time.Duration.ofSeconds(seconds("MFA_JWKS_REFETCH_INTERVAL", "30")));
        g.introspectionUrl = env("MFA_INTROSPECTION_URL", str.apply("introspection_endpoint", service.isEmpty() ? null : service + "/mfa/introspect"));
        g.adminToken = env("MFA_ADMIN_TOKEN", null);
        g.clientId = env("MFA_CLIENT_ID", null);
        g.clientSecret = env("MFA_CLIENT_SECRET", null);
        g.acceptBearer = "1".equals(env("MFA_ACCEPT_BEARER", ""));
        g.maxLifetime = seconds("MFA_MAX_LIFETIME", "300");
        g.leeway = seconds("MFA_CLOCK_TOLERANCE", "30");
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        g.sessions = ex -> appSession(cookieValue(ex, cookie), key);

        HttpServer server = HttpServer.create(new InetSocketAddress(env("HOST", "127.0.0.1"), Integer.parseInt(env("PORT", "8092"))), 0);
        server.createContext("/transfer", method("POST", g.require("payments", "transfer", List.of("mfa"), 0, false, (ex, claims) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ok", true);
            body.put("sub", claims.get("sub"));
            body.put("amr", claims.get("amr"));
            Guard.sendJson(ex, 200, body);
        })));
        server.createContext("/statements", method("GET", g.require("statements", "read", List.of("mfa"), 0, true, (ex, claims) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ok", true);
            body.put("sub", claims.get("sub"));
            body.put("statements", List.of());
            Guard.sendJson(ex, 200, body);
        })));
        server.createContext("/health", ex -> {
            Guard.sendJson(ex, 200, Map.of("ok", true));
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        server.start();
        System.out.println("java example listening on http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    private static HttpHandler method(String method, HttpHandler h) {
        return ex -> {
            if (!ex.getRequestMethod().equals(method)) {
                ex.getResponseHeaders().set("Allow", method);
                ex.sendResponseHeaders(405, -1);
                ex.close();
                return;
            }
            h.handle(ex);
        };
    }

    private static String cookieValue(HttpExchange ex, String name) {
        for (String header : ex.getRequestHeaders().getOrDefault("Cookie", List.of())) {
            for (String part : header.split(";")) {
                String p = part.trim();
                if (p.startsWith(name + "=")) return p.substring(name.length() + 1);
            }
        }
        return null;
    }

    /** The app-session assertion: an HS256 JWT {sub, sid, exp}. Returns {sub, sid} or null. */
    @SuppressWarnings("unchecked")
    static String[] appSession(String token, byte[] secret) {
        if (token == null) return null;
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) return null;
        try {
            Base64.Decoder d = Base64.getUrlDecoder();
            Object header = Json.parse(new String(d.decode(parts[0]), StandardCharsets.UTF_8));
            if (!(header instanceof Map) || !"HS256".equals(((Map<String, Object>) header).get("alg"))) return null;
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!MessageDigest.isEqual(expected, d.decode(parts[2]))) return null;
            Map<String, Object> c = (Map<String, Object>) Json.parse(new String(d.decode(parts[1]), StandardCharsets.UTF_8));
            if (!(c.get("sub") instanceof String) || !(c.get("sid") instanceof String) || !(c.get("exp") instanceof Long)) return null;
            if ((Long) c.get("exp") <= System.currentTimeMillis() / 1000) return null;
            return new String[] {(String) c.get("sub"), (String) c.get("sid")};
        } catch (Exception e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static int checkVectors(String path) throws IOException {
        Map<String, Object> file = (Map<String, Object>) Json.parse(Files.readString(Path.of(path)));
        KeySet keys = KeySet.fixed(file.get("jwks"));
        List<Object> vectors = (List<Object>) file.get("vectors");
        int mismatches = 0;
        for (Object o : vectors) {
            Map<String, Object> v = (Map<String, Object>) o;
            Map<String, Object> route = (Map<String, Object>) v.get("route");
            Map<String, Object> session = (Map<String, Object>) v.get("session");
            StepUpVerifier.Expectation e = new StepUpVerifier.Expectation();
            e.issuer = (String) file.get("issuer");
            e.audience = (String) file.get("audience");
            e.sub = (String) session.get("sub");
            e.sessionId = (String) session.get("sessionId");
            e.resource = (String) route.get("resource");
            e.action = (String) route.get("action");
            e.acrValues = (List<String>) (List<?>) route.get("acrValues");
            e.maxAge = (Long) route.get("maxAge");
            e.maxLifetime = (Long) file.get("maxLifetime");
            e.leeway = (Long) ((Map<String, Object>) file.get("clockTolerance")).get("recommended");
            e.now = (Long) file.get("now");
            String verdict = "accept", reason = "ok";
            try {
                StepUpVerifier.verify((String) v.get("token"), keys, e);
            } catch (StepUpVerifier.Refused r) {
                verdict = "reject";
                reason = r.reason;
            } catch (StepUpVerifier.Unavailable u) {
                verdict = "error";
                reason = u.getMessage();
            }
            boolean match = verdict.equals(v.get("verdict")) && reason.equals(v.get("reason"));
            if (!match) mismatches++;
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("name", v.get("name"));
            line.put("verdict", verdict);
            line.put("reason", reason);
            line.put("match", match);
            System.out.println(Json.write(line));
        }
        System.err.println("java: " + (vectors.size() - mismatches) + "/" + vectors.size() + " vectors match");
        return mismatches > 0 ? 1 : 0;
    }
}
