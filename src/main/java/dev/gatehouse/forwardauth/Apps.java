package dev.gatehouse.forwardauth;

import dev.gatehouse.kernel.Cidr;
import dev.gatehouse.policy.AccessPolicy;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Subject;
import dev.gatehouse.session.Session;
import dev.gatehouse.url.CanonicalTarget;
import dev.gatehouse.url.Canonicalizer;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * The apps a signed-in person may open, for the portal's start page: every app Gatehouse knows an
 * address of (proxy routes, and the exact hosts the access rules name), kept when the real policy
 * admits this person there now. Immutable and thread-safe.
 */
public final class Apps {
  /** An app: what to call it and where it is. */
  public record App(String name, String url) {}

  private final List<URI> candidates;
  private final AccessPolicy policy;
  private final IdentityResolver identities;
  private final java.util.function.Supplier<List<dev.gatehouse.oidc.Client>> clients;

  /**
   * Apps at {@code candidates} (absolute URLs), decided by {@code policy}, and the OAuth clients
   * with a home URL whose allowed groups admit the person.
   */
  public Apps(
      List<URI> candidates,
      AccessPolicy policy,
      IdentityResolver identities,
      java.util.function.Supplier<List<dev.gatehouse.oidc.Client>> clients) {
    this.candidates = List.copyOf(new LinkedHashSet<>(candidates));
    this.policy = policy;
    this.identities = identities;
    this.clients = clients;
  }

  /** The apps the person of {@code session}, at {@code clientAddress}, may open. */
  public List<App> openTo(Session session, String clientAddress) {
    Optional<Subject> subject = identities.forSession(session);
    if (subject.isEmpty()) {
      return List.of();
    }
    Optional<InetAddress> client = Cidr.parseNumericAddress(clientAddress);
    List<App> apps = new ArrayList<>();
    for (URI url : candidates) {
      Optional<CanonicalTarget> target =
          Canonicalizer.target(url.getScheme(), url.getRawAuthority(), url.getRawPath());
      if (target.isEmpty()) {
        continue;
      }
      Decision decision =
          client.isPresent()
              ? policy.decide(
                  target.get().host(), target.get().path(), "GET", client.get(), subject)
              : policy.decideForUnknownClient(
                  target.get().host(), target.get().path(), "GET", subject);
      if (decision instanceof Decision.Allow) {
        String path = target.get().path();
        apps.add(new App(target.get().host() + (path.equals("/") ? "" : path), url.toString()));
      }
    }
    for (dev.gatehouse.oidc.Client app : clients.get()) {
      boolean admitted =
          app.allowedGroups().isEmpty()
              || subject.get().groups().stream().anyMatch(app.allowedGroups()::contains);
      if (!app.disabled() && !app.homeUrl().isEmpty() && admitted) {
        apps.add(new App(app.name(), app.homeUrl()));
      }
    }
    return List.copyOf(apps);
  }
}
