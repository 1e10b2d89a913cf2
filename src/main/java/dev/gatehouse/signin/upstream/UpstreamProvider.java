package dev.gatehouse.signin.upstream;

import dev.gatehouse.kernel.Secret;
import java.net.URI;
import java.util.List;

/**
 * An upstream OpenID Connect provider users may sign in through. Immutable.
 *
 * @param id short name, part of its redirect URI ({@code /login/upstream/<id>/callback})
 * @param name what the sign-in button says
 * @param issuer its issuer; its discovery document is read from there
 * @param clientSecret the secret of Gatehouse's client at the provider
 * @param accounts what a first sign-in with an unknown identity may do
 * @param domains the verified email domains {@link Accounts#DOMAINS} creates accounts for
 * @param trustEmail link an existing local account by email — only when the provider says {@code
 *     email_verified: true}
 * @param trustMfa a provider {@code amr} that shows two factors counts as Gatehouse's {@code mfa}
 * @param groupsClaim the claim listing groups; empty: groups are not taken from the provider
 * @param allowedGroups the provider's groups that are taken (all when empty)
 * @param endSession signing out of Gatehouse also signs out at the provider (RP-initiated logout)
 * @param dropMissingGroups a group the provider no longer sends is taken away at the next sign-in
 *     (only memberships that came from the provider)
 * @param oauth2 for a plain OAuth 2 provider (no OpenID Connect: GitHub-style), its endpoints; the
 *     identity then comes from its JSON userinfo, and {@code issuer} only names the namespace of
 *     its subjects
 * @param subjectClaim the userinfo member that identifies the user for a plain OAuth 2 provider
 */
public record UpstreamProvider(
    String id,
    String name,
    URI issuer,
    String clientId,
    Secret clientSecret,
    List<String> scopes,
    Accounts accounts,
    List<String> domains,
    boolean trustEmail,
    boolean trustMfa,
    String usernameClaim,
    String emailClaim,
    String nameClaim,
    String groupsClaim,
    List<String> allowedGroups,
    boolean endSession,
    boolean dropMissingGroups,
    java.util.Optional<OAuth2> oauth2,
    String subjectClaim) {

  /** The endpoints of a plain OAuth 2 provider. */
  public record OAuth2(URI authorization, URI token, URI userinfo) {}

  /** What a first sign-in through the provider may do with an identity Gatehouse does not know. */
  public enum Accounts {
    /** Only identities already linked (or linked by a trusted, verified email) sign in. */
    EXISTING,
    /** Anyone the provider signs in gets an account. */
    OPEN,
    /** Accounts for verified email addresses in {@link UpstreamProvider#domains()} only. */
    DOMAINS
  }

  /** Copies the lists. */
  public UpstreamProvider {
    scopes = List.copyOf(scopes);
    domains = List.copyOf(domains);
    allowedGroups = List.copyOf(allowedGroups);
  }
}
