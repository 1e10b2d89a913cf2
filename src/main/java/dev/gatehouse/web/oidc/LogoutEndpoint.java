package dev.gatehouse.web.oidc;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import com.nimbusds.openid.connect.sdk.LogoutRequest;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.Clients;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * RP-initiated logout ({@code GET|POST /oauth/logout}, the end-session endpoint). With a valid
 * {@code id_token_hint} for the signed-in user the Gatehouse session ends at once; without one the
 * user confirms on a page ({@code POST /oauth/logout/confirm}, CSRF-protected). Ending the session
 * ends access to every forward-auth app and, through the session listener, notifies clients by
 * back-channel. {@code post_logout_redirect_uri} must be registered exactly for the client the hint
 * or {@code client_id} names; otherwise an error page, never a redirect. Thread-safe.
 */
public final class LogoutEndpoint {
  private final Clients clients;
  private final AccessTokens tokens;
  private final WebSessions sessions;
  private final Templates templates;
  private final ErrorPages errors;
  private final String publicOrigin;

  /** Wires the endpoint. */
  public LogoutEndpoint(
      Clients clients,
      AccessTokens tokens,
      WebSessions sessions,
      Templates templates,
      ErrorPages errors,
      String publicOrigin) {
    this.clients = clients;
    this.tokens = tokens;
    this.sessions = sessions;
    this.templates = templates;
    this.errors = errors;
    this.publicOrigin = publicOrigin;
  }

  /** The confirmation page. */
  public record LogoutView(
      String csrf,
      String clientName,
      String postLogoutRedirectUri,
      String state,
      String clientId) {}

  private record Target(Optional<Client> client, Optional<URI> after, Optional<String> state) {}

  /** {@code GET|POST /oauth/logout}. */
  public void logout(Exchange exchange) {
    String raw = exchange.method().equals("POST") ? exchange.rawForm() : exchange.rawQuery();
    LogoutRequest request;
    try {
      request = LogoutRequest.parse(raw);
    } catch (ParseException | RuntimeException e) {
      errors.render(exchange, SafeMessage.OIDC_LOGOUT_BAD_REQUEST);
      return;
    }
    Optional<JWTClaimsSet> hint =
        Optional.ofNullable(request.getIDTokenHint())
            .flatMap(jwt -> tokens.verifyIdTokenHint(jwt.serialize()));
    if (request.getIDTokenHint() != null && hint.isEmpty()) {
      errors.render(exchange, SafeMessage.OIDC_LOGOUT_BAD_REQUEST); // a forged or foreign hint
      return;
    }
    Optional<String> hintClient =
        hint.map(JWTClaimsSet::getAudience).filter(a -> a.size() == 1).map(a -> a.get(0));
    Optional<String> clientId =
        Optional.ofNullable(request.getClientID()).map(c -> c.getValue()).or(() -> hintClient);
    if (hintClient.isPresent() && !hintClient.equals(clientId)) {
      errors.render(exchange, SafeMessage.OIDC_LOGOUT_BAD_REQUEST);
      return;
    }
    Optional<Target> target =
        target(
            clientId,
            Optional.ofNullable(request.getPostLogoutRedirectionURI()).map(URI::toString),
            Optional.ofNullable(request.getState()).map(s -> s.getValue()));
    if (target.isEmpty()) {
      errors.render(exchange, SafeMessage.OIDC_LOGOUT_BAD_REQUEST);
      return;
    }
    Optional<WebSessions.Current> current = sessions.current(exchange);
    boolean hintMatches =
        hint.isPresent()
            && current.isPresent()
            && current.get().session().userId().value().equals(hint.get().getSubject());
    if (current.isEmpty() || hintMatches) {
      sessions.end(exchange);
      finish(exchange, target.get(), 302);
      return;
    }
    exchange.html(
        200,
        templates.render(
            "logout.jte",
            new LogoutView(
                sessions.csrfToken(exchange),
                target.get().client().map(Client::name).orElse(""),
                target.get().after().map(URI::toString).orElse(""),
                target.get().state().orElse(""),
                target.get().client().map(Client::id).orElse(""))));
  }

  /** {@code POST /oauth/logout/confirm}. */
  public void confirm(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    Optional<Target> target =
        target(
            exchange.form("client_id").filter(s -> !s.isEmpty()),
            exchange.form("post_logout_redirect_uri").filter(s -> !s.isEmpty()),
            exchange.form("state").filter(s -> !s.isEmpty()));
    if (target.isEmpty()) {
      errors.render(exchange, SafeMessage.OIDC_LOGOUT_BAD_REQUEST);
      return;
    }
    sessions.end(exchange);
    finish(exchange, target.get(), 303);
  }

  private Optional<Target> target(
      Optional<String> clientId, Optional<String> after, Optional<String> state) {
    Optional<Client> client = clientId.flatMap(clients::find);
    if (clientId.isPresent() && client.isEmpty()) {
      return Optional.empty();
    }
    if (after.isEmpty()) {
      return Optional.of(new Target(client, Optional.empty(), Optional.empty()));
    }
    if (client.isEmpty() || !client.get().postLogoutRedirectUris().contains(after.get())) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Target(client, Optional.of(new URI(after.get())), state));
    } catch (java.net.URISyntaxException e) {
      return Optional.empty();
    }
  }

  private void finish(Exchange exchange, Target target, int status) {
    if (target.after().isEmpty()) {
      exchange.redirect(status, publicOrigin + "/login?signed_out=1");
      return;
    }
    String location = target.after().get().toString();
    if (target.state().isPresent()) {
      location +=
          (location.contains("?") ? "&" : "?")
              + URLUtils.serializeParameters(Map.of("state", List.of(target.state().get())));
    }
    exchange.redirect(status, location);
  }
}
