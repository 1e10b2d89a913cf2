package dev.gatehouse.signin.passkey;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Storage of passkeys (public keys) and pending WebAuthn ceremonies. Thread-safe; never null. */
public interface PasskeyRepository {
  /**
   * A registered passkey; ids and keys are base64url. {@code flagged}: refused after a counter
   * regression.
   */
  record Passkey(
      String credentialId,
      UserId user,
      String publicKeyCose,
      long signCount,
      String name,
      Instant createdAt,
      Optional<Instant> lastUsedAt,
      boolean flagged) {}

  /** A pending ceremony: the request as JSON and, for registrations, the user. */
  record Ceremony(String requestJson, Optional<UserId> user) {}

  /** Stores a new passkey. */
  void insert(Passkey passkey);

  /** The user's passkeys, oldest first. */
  List<Passkey> listForUser(UserId user);

  /** The passkey with this credential id. */
  Optional<Passkey> find(String credentialId);

  /** Records a use and the authenticator's new signature counter. */
  void recordUse(String credentialId, long signCount, Instant at);

  /** Marks a passkey as refused from now on. */
  void flag(String credentialId);

  /** Deletes one of the user's passkeys; false when it has none with this id. */
  boolean delete(String credentialId, UserId user);

  /** Stores a ceremony's request until {@code expiresAt}. */
  void saveCeremony(
      String id, String kind, String requestJson, Optional<UserId> user, Instant expiresAt);

  /** Takes (deletes and returns) an unexpired ceremony of this kind; exactly one caller gets it. */
  Optional<Ceremony> takeCeremony(String id, String kind, Instant now);
}
