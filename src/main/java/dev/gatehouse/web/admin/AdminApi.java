package dev.gatehouse.web.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.apikey.ApiKey;
import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.WebSessions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API, {@code /api/admin/v1/…}: JSON in and out, RFC 9457 problem details for every
 * error, described by {@code openapi.json} beside it. Who may call: an administrator's browser
 * session (state changes carry {@code X-CSRF-Token} and come from the portal's origin), an API key
 * with the {@link ApiKey#ADMIN_SCOPE} scope (a personal one only while its user is an
 * administrator), or an access token with that scope (a user's only while the user is an
 * administrator; a client's from {@code client_credentials}). Everyone else gets 401 or 403 before
 * any operation runs. Every change is audited with who made it. Thread-safe.
 */
public final class AdminApi {
  /** Where the API lives. */
  public static final String BASE = "/api/admin/v1";

  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final Pattern BEARER = Pattern.compile("(?i)bearer +([!-~]+)");

  /** What an operation does with a call. */
  @FunctionalInterface
  public interface Handler {
    /** Answers the call (by {@link Call#reply} or by throwing a {@link Problem}). */
    void handle(Call call);
  }

  /** One operation: method and path template ({@code /users/{id}}) under {@link #BASE}. */
  public record Operation(String method, String template, Handler handler) {
    Optional<Map<String, String>> match(String method, String path) {
      if (!this.method.equals(method)) {
        return Optional.empty();
      }
      String[] want = template.split("/", -1);
      String[] got = path.split("/", -1);
      if (want.length != got.length) {
        return Optional.empty();
      }
      Map<String, String> params = new LinkedHashMap<>();
      for (int i = 0; i < want.length; i++) {
        if (want[i].startsWith("{") && want[i].endsWith("}")) {
          // Path decoding, not form decoding: '+' in a path is a plus sign (a group may be "a+b").
          String value =
              java.net.URLDecoder.decode(got[i].replace("+", "%2B"), StandardCharsets.UTF_8);
          if (value.isEmpty() || value.length() > 256) {
            return Optional.empty();
          }
          params.put(want[i].substring(1, want[i].length() - 1), value);
        } else if (!want[i].equals(got[i])) {
          return Optional.empty();
        }
      }
      return Optional.of(params);
    }

    boolean pathMatches(String path) {
      return match(method, path).isPresent();
    }
  }

  /**
   * Who is calling: {@code actor} as the audit trail names it ({@code user:NAME}, {@code
   * apikey:ID}, {@code client:ID}), and the administrator's account when a person calls.
   */
  public record Caller(String actor, Optional<UserId> user) {}

  /** An error answered as problem details. */
  public static final class Problem extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final String code;

    /** A problem with a status, a machine code and a human sentence (never a secret). */
    public Problem(int status, String code, String detail) {
      super(detail, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  /** One call: the request, the caller and the path's parameters; it records the answer. */
  public static final class Call {
    private final Caller caller;
    private final Map<String, String> params;
    private final java.util.function.Function<String, Optional<String>> query;
    private final java.util.function.Supplier<String> rawBody;
    private final String clientAddress;
    private JsonNode body;
    private int status;
    private JsonNode document;

    Call(
        Caller caller,
        Map<String, String> params,
        java.util.function.Function<String, Optional<String>> query,
        java.util.function.Supplier<String> rawBody,
        String clientAddress) {
      this.caller = caller;
      this.params = params;
      this.query = query;
      this.rawBody = rawBody;
      this.clientAddress = clientAddress;
    }

    /** The caller. */
    public Caller caller() {
      return caller;
    }

    /** The client's address (for the audit trail). */
    public String clientAddress() {
      return clientAddress;
    }

    /** A path parameter. */
    public String param(String name) {
      return params.get(name);
    }

    /** A query parameter. */
    public Optional<String> query(String name) {
      return query.apply(name).filter(v -> !v.isEmpty());
    }

    /** The JSON object sent; 400 when there is none or it holds a field not in {@code allowed}. */
    public JsonNode body(java.util.Set<String> allowed) {
      if (body == null) {
        String text;
        try {
          text = rawBody.get();
        } catch (Exchange.BadRequestException e) {
          if (String.valueOf(e.getMessage()).contains("too large")) {
            throw new Problem(413, "too_large", "The body is larger than 64 KiB.");
          }
          throw new Problem(
              415, "json_expected", "Send a JSON object with Content-Type: application/json.");
        }
        try {
          body = JSON.readTree(text);
        } catch (java.io.IOException e) {
          throw new Problem(400, "malformed_json", "The body is not valid JSON.");
        }
        if (body == null || !body.isObject()) {
          throw new Problem(400, "malformed_json", "The body must be a JSON object.");
        }
      }
      for (var fields = body.fieldNames(); fields.hasNext(); ) {
        String field = fields.next();
        if (!allowed.contains(field)) {
          throw new Problem(
              400,
              "unknown_field",
              "Unknown field \""
                  + printable(field)
                  + "\"; allowed: "
                  + String.join(", ", new java.util.TreeSet<>(allowed))
                  + ".");
        }
      }
      return body;
    }

    /** Answers with {@code status} and a JSON document. */
    public void reply(int status, JsonNode document) {
      this.status = status;
      this.document = document;
    }

    /** Answers 204 No Content. */
    public void noContent() {
      this.status = 204;
      this.document = null;
    }
  }

  /**
   * An answer of an in-process call: status and document (null for 204), or a problem's status and
   * its detail.
   */
  public record Result(int status, JsonNode document, String problem, String code) {
    /** Whether the operation succeeded. */
    public boolean ok() {
      return status < 400;
    }
  }

  private final List<Operation> operations = new ArrayList<>();
  private final ApiKeyService apiKeys;
  private final AccessTokens accessTokens;
  private final Directory directory;
  private final dev.gatehouse.oidc.Clients clients;
  private final WebSessions sessions;
  private final Predicate<Throwable> storeUnavailable;

  /** The API over the core's services. */
  public AdminApi(
      ApiKeyService apiKeys,
      AccessTokens accessTokens,
      Directory directory,
      dev.gatehouse.oidc.Clients clients,
      WebSessions sessions,
      Predicate<Throwable> storeUnavailable) {
    this.clients = clients;
    this.apiKeys = apiKeys;
    this.accessTokens = accessTokens;
    this.directory = directory;
    this.sessions = sessions;
    this.storeUnavailable = storeUnavailable;
  }

  /**
   * The OpenAPI document served beside the API, as JSON, made at its first request: reading the
   * YAML took ~16 ms of every start.
   */
  private static final class OpenApi {
    static final byte[] JSON_BYTES = openApiDocument();
  }

  /** The API with every resource, over the core's services. */
  public static AdminApi create(
      ApiKeyService apiKeys,
      AccessTokens accessTokens,
      Directory directory,
      WebSessions webSessions,
      Predicate<Throwable> storeUnavailable,
      dev.gatehouse.admin.Accounts accounts,
      dev.gatehouse.signin.magiclink.Invitations invitations,
      dev.gatehouse.signin.magiclink.PasswordResetService resets,
      dev.gatehouse.session.SessionService sessions,
      dev.gatehouse.audit.AuditLog audit,
      dev.gatehouse.oidc.Clients clients,
      java.util.function.BooleanSupplier invitationsAllowed,
      dev.gatehouse.mail.OutboxRepository outbox,
      dev.gatehouse.policy.AccessPolicy policy,
      dev.gatehouse.forwardauth.IdentityResolver identities,
      java.time.Clock clock,
      dev.gatehouse.signin.passkey.PasskeyService passkeys,
      dev.gatehouse.signin.totp.TotpService totp,
      dev.gatehouse.signin.upstream.UpstreamSignIn upstream,
      java.util.List<dev.gatehouse.config.GatehouseConfig.Setting> settings,
      java.util.function.ToIntFunction<String> revokeClientTokens) {
    AdminApi api =
        new AdminApi(apiKeys, accessTokens, directory, clients, webSessions, storeUnavailable);
    new DirectoryResources(
            directory,
            accounts,
            invitations,
            resets,
            sessions,
            audit,
            invitationsAllowed,
            group -> groupUsesInConfiguration(group, policy, clients, upstream))
        .register(api);
    new AccessResources(apiKeys, sessions, directory, audit).register(api);
    new ClientResources(clients, audit, revokeClientTokens).register(api);
    new SystemResources(directory, outbox, policy, identities, audit, clock, settings)
        .register(api);
    new CredentialResources(directory, accounts, passkeys, totp, upstream, audit).register(api);
    return api;
  }

  /** A client as the API describes it (secret redacted): the CLI prints this, local or remote. */
  public static JsonNode clientDocument(dev.gatehouse.oidc.Client client) {
    return ClientResources.client(client);
  }

  /** Where {@code gatehouse.yml} names a group: rules, clients and upstream providers. */
  public static List<String> groupUsesInConfiguration(
      String group,
      dev.gatehouse.policy.AccessPolicy policy,
      dev.gatehouse.oidc.Clients clients,
      dev.gatehouse.signin.upstream.UpstreamSignIn upstream) {
    List<String> uses = new ArrayList<>();
    List<dev.gatehouse.policy.AccessRule> rules = policy.rules();
    for (int i = 0; i < rules.size(); i++) {
      boolean named =
          rules.get(i).subjects().stream()
              .anyMatch(
                  m ->
                      m.kind() == dev.gatehouse.policy.SubjectMatcher.Kind.GROUP
                          && m.name().equals(group));
      if (named) {
        uses.add("access rule " + (i + 1));
      }
    }
    for (var client : clients.list()) {
      if (client.fromConfig()
          && (client.allowedGroups().contains(group) || client.groups().contains(group))) {
        uses.add("client " + client.id());
      }
    }
    for (var provider : upstream.providers()) {
      if (provider.allowedGroups().contains(group)) {
        uses.add("identity provider " + provider.id());
      }
    }
    return List.copyOf(uses);
  }

  /** The OpenAPI document ({@code admin/openapi.yaml}) as JSON. */
  public static byte[] openApiDocument() {
    try (var in = AdminApi.class.getResourceAsStream("/admin/openapi.yaml")) {
      if (in == null) {
        throw new IllegalStateException("admin/openapi.yaml is missing from the build");
      }
      JsonNode document =
          new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(in);
      return JSON.writeValueAsBytes(document);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Adds an operation. */
  public AdminApi add(String method, String template, Handler handler) {
    operations.add(new Operation(method, template, handler));
    return this;
  }

  /** The operations, as registered (for the route-table tests and the OpenAPI check). */
  public List<Operation> operations() {
    return List.copyOf(operations);
  }

  /** Answers every request under {@link #BASE}. */
  public void handle(Exchange exchange) {
    String path = exchange.path().substring(BASE.length());
    String method = exchange.method().equals("HEAD") ? "GET" : exchange.method();
    if (path.equals("/openapi.json") && method.equals("GET")) {
      exchange.respond(
          200, "application/json", new String(OpenApi.JSON_BYTES, StandardCharsets.UTF_8));
      return;
    }
    try {
      Matched found = find(method, path);
      Caller caller = authenticate(exchange, !method.equals("GET"));
      Call call =
          new Call(
              caller,
              found.params(),
              exchange::query,
              exchange::jsonBody,
              exchange.clientAddress());
      found.operation().handler().handle(call);
      if (call.document == null) {
        exchange.empty(call.status);
      } else {
        exchange.respond(call.status, "application/json", call.document.toString());
      }
    } catch (RuntimeException e) {
      problem(exchange, asProblem(e, method, exchange.path()));
    }
  }

  /**
   * Runs an operation in-process for {@code caller}, already authenticated as an administrator (the
   * admin console: it is a client of this API, so both behave alike). {@code path} is under {@link
   * #BASE}, with any query; {@code body} the JSON sent.
   */
  public Result invoke(
      Caller caller, String method, String path, Optional<JsonNode> body, String clientAddress) {
    String rawPath = path;
    Map<String, String> query = new LinkedHashMap<>();
    int mark = path.indexOf('?');
    if (mark >= 0) {
      rawPath = path.substring(0, mark);
      for (String pair : path.substring(mark + 1).split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          query.put(
              pair.substring(0, eq),
              java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    try {
      Matched found = find(method, rawPath);
      requireAdmin(caller.user().orElseThrow(() -> forbidden("An administrator is needed.")));
      Call call =
          new Call(
              caller,
              found.params(),
              name -> Optional.ofNullable(query.get(name)),
              () -> body.map(JsonNode::toString).orElse("{}"),
              clientAddress);
      found.operation().handler().handle(call);
      return new Result(call.status, call.document, "", "");
    } catch (RuntimeException e) {
      Problem problem = asProblem(e, method, path);
      return new Result(problem.status, null, problem.getMessage(), problem.code);
    }
  }

  /** An operation that matched, with the path's parameters. */
  private record Matched(Operation operation, Map<String, String> params) {}

  /**
   * The operation for {@code method} and {@code path}; 405 when only the method differs, else 404.
   */
  private Matched find(String method, String path) {
    boolean pathKnown = false;
    for (Operation operation : operations) {
      Optional<Map<String, String>> match = operation.match(method, path);
      if (match.isPresent()) {
        return new Matched(operation, match.get());
      }
      pathKnown |= operation.pathMatches(path);
    }
    throw pathKnown
        ? new Problem(405, "method_not_allowed", "This method is not allowed here.")
        : new Problem(404, "not_found", "There is no such operation in the admin API.");
  }

  private Problem asProblem(RuntimeException e, String method, String path) {
    return switch (e) {
      case Problem problem -> problem;
      case DirectoryException.NotFoundException nf ->
          new Problem(404, "not_found", sentence(nf.getMessage()));
      case DirectoryException.DuplicateException dup ->
          new Problem(409, "conflict", sentence(dup.getMessage()));
      case DirectoryException.ConflictException conflict ->
          new Problem(409, "conflict", sentence(conflict.getMessage()));
      case DirectoryException other -> new Problem(400, "invalid_value", other.getMessage());
      case Exchange.BadRequestException bad ->
          new Problem(400, "bad_request", "The request could not be understood.");
      case IllegalArgumentException bad ->
          new Problem(400, "invalid_value", printable(bad.getMessage()));
      case dev.gatehouse.oidc.ClientException bad ->
          new Problem(400, "invalid_value", printable(bad.getMessage()));
      default -> {
        if (storeUnavailable.test(e)) {
          LOG.error("admin API: database failure on {} {}", method, path, e);
          yield new Problem(503, "unavailable", "Gatehouse cannot answer right now. Try again.");
        }
        LOG.error("admin API: unexpected failure on {} {}", method, path, e);
        yield new Problem(500, "internal", "Something went wrong on our side; it has been logged.");
      }
    };
  }

  private Caller authenticate(Exchange exchange, boolean changes) {
    List<String> authorization = exchange.headers("Authorization");
    if (authorization.size() > 1) {
      throw unauthenticated("Send one Authorization header.");
    }
    if (authorization.size() == 1) {
      Matcher bearer = BEARER.matcher(authorization.get(0).strip());
      if (!bearer.matches()) {
        throw unauthenticated("Use Authorization: Bearer with an admin API key or access token.");
      }
      String credential = bearer.group(1);
      if (ApiKeyService.isGatehouseKey(credential)) {
        ApiKey key =
            apiKeys
                .authenticate(credential)
                .orElseThrow(() -> unauthenticated("The API key is not valid."));
        if (!key.scopes().contains(ApiKey.ADMIN_SCOPE)) {
          throw forbidden("The API key lacks the " + ApiKey.ADMIN_SCOPE + " scope.");
        }
        if (!key.hosts().isEmpty()) {
          // Limited to some apps' hosts: it was meant for their forward-auth, not for running
          // Gatehouse. Fail closed rather than guess whether the portal counts.
          throw forbidden("The API key is limited to hosts; an admin key must not be.");
        }
        if (key.owner().isPresent()) {
          requireAdmin(key.owner().get());
        }
        return new Caller("apikey:" + key.id(), key.owner());
      }
      AccessTokens.Verified token =
          accessTokens
              .verify(credential)
              .orElseThrow(() -> unauthenticated("The access token is not valid."));
      if (!token.scopes().contains(ApiKey.ADMIN_SCOPE)) {
        throw forbidden("The access token lacks the " + ApiKey.ADMIN_SCOPE + " scope.");
      }
      // The client must still be allowed the scope now, not only when the token was issued.
      boolean clientMayStill =
          clients
              .find(token.clientId())
              .filter(c -> !c.disabled() && c.scopes().contains(ApiKey.ADMIN_SCOPE))
              .isPresent();
      if (!clientMayStill) {
        throw forbidden(
            "The token's client is no longer allowed the " + ApiKey.ADMIN_SCOPE + " scope.");
      }
      if (token.user().isPresent()) {
        User user = requireAdmin(token.user().get());
        return new Caller("user:" + user.username(), Optional.of(user.id()));
      }
      return new Caller("client:" + token.clientId(), Optional.empty());
    }
    Optional<WebSessions.Current> current = sessions.current(exchange);
    if (current.isEmpty()) {
      throw unauthenticated("Sign in as an administrator, or send an admin API key.");
    }
    User user = requireAdmin(current.get().session().userId());
    if (changes && !sessions.csrfValidHeader(exchange)) {
      throw new Problem(
          403,
          "csrf_failed",
          "A change from a browser needs the page's X-CSRF-Token and the portal's origin.");
    }
    return new Caller("user:" + user.username(), Optional.of(user.id()));
  }

  private User requireAdmin(UserId id) {
    return directory
        .findById(id)
        .filter(u -> u.admin() && !u.disabled())
        .orElseThrow(() -> forbidden("Only administrators may use the admin API."));
  }

  private static Problem unauthenticated(String detail) {
    return new Problem(401, "unauthenticated", detail);
  }

  private static Problem forbidden(String detail) {
    return new Problem(403, "forbidden", detail);
  }

  private static void problem(Exchange exchange, Problem problem) {
    ObjectNode document = JSON.createObjectNode();
    document.put("type", "urn:gatehouse:problem:" + problem.code);
    document.put("title", title(problem.status));
    document.put("status", problem.status);
    document.put("detail", problem.getMessage());
    if (problem.status == 401) {
      exchange.addHeader("WWW-Authenticate", "Bearer realm=\"gatehouse-admin\"");
    }
    exchange.respond(problem.status, "application/problem+json", document.toString());
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 503 -> "Service Unavailable";
      default -> status >= 500 ? "Internal Server Error" : "Error";
    };
  }

  /** {@code text} with control and non-ASCII characters replaced, at most 80 characters. */
  static String printable(String text) {
    if (text == null) {
      return "";
    }
    String clean = dev.gatehouse.kernel.Printable.of(text);
    return clean.length() <= 200 ? clean : clean.substring(0, 200) + "…";
  }

  static String sentence(String text) {
    String clean = printable(text);
    return clean.isEmpty() ? "" : Character.toUpperCase(clean.charAt(0)) + clean.substring(1) + ".";
  }

  /** The shared JSON mapper (thread-safe once configured). */
  static ObjectMapper json() {
    return JSON;
  }
}
