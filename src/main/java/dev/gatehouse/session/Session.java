package dev.gatehouse.session;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.Set;

/**
 * A server-side SSO session. The cookie holds a 256-bit token; the store keeps only its SHA-256
 * ({@code tokenHash}). {@code id} is a separate public handle for listing and revoking. Immutable.
 *
 * @param amr authentication methods used (RFC 8176 values such as {@code pwd})
 * @param expiresAt the absolute cap: activity never extends past it
 * @param idp the upstream identity provider it was opened through; empty for Gatehouse's own
 * @param idpAmr what that provider said of its sign-in ({@code amr} values), apart from {@code
 *     amr}: a provider's {@code pwd} is not a password Gatehouse checked
 * @param idpAcr the provider's {@code acr}; empty when it sent none
 * @param parentId for a session opened on a further cookie domain by a hand-off, the id of the
 *     sign-in's own session, which it ends with; empty otherwise
 * @param domain for such a session, the further domain it is good for (and only there); empty for a
 *     sign-in's own session, which is good everywhere else
 */
public record Session(
    String id,
    String tokenHash,
    UserId userId,
    Instant createdAt,
    Instant lastSeenAt,
    Instant expiresAt,
    Set<String> amr,
    String userAgent,
    String clientAddress,
    String idp,
    Set<String> idpAmr,
    String idpAcr,
    String parentId,
    String domain) {

  /** Copies the sets. */
  public Session {
    amr = Set.copyOf(amr);
    idpAmr = Set.copyOf(idpAmr);
  }

  /** How long after sign-in a session may still change sign-in methods. */
  public static final java.time.Duration STEP_UP_WINDOW = java.time.Duration.ofMinutes(30);

  /**
   * Step-up: whether this session may add or remove sign-in methods at {@code now}. It must have
   * started within {@link #STEP_UP_WINDOW} with a password, a passkey, an upstream identity
   * provider linked to the account (already a full way into it), or by accepting an invitation (the
   * onboarding of an account that has no method yet) — a session from an emailed sign-in link alone
   * is not enough, whatever its age (the method counts, not only recency).
   */
  public boolean mayChangeSignInMethods(Instant now) {
    boolean strong = amr.contains("pwd") || amr.contains("hwk") || amr.contains("invite");
    return strong && now.isBefore(createdAt.plus(STEP_UP_WINDOW));
  }

  /** Copy with a new last-seen time. */
  public Session touchedAt(Instant at) {
    return new Session(
        id,
        tokenHash,
        userId,
        createdAt,
        at,
        expiresAt,
        amr,
        userAgent,
        clientAddress,
        idp,
        idpAmr,
        idpAcr,
        parentId,
        domain);
  }

  /** The id of the sign-in this session belongs to: its parent's, or its own. */
  public String rootId() {
    return parentId.isEmpty() ? id : parentId;
  }
}
