package dev.gatehouse.signin.upstream;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Port: upstream identities and the sign-in flows under way. Implementations are thread-safe. */
public interface UpstreamRepository {
  /**
   * A flow under way; only hashes of its state and browser binding are kept. {@code linkUser} is
   * the user linking the identity from the account page, empty for a sign-in.
   */
  record Flow(
      String stateHash,
      String providerId,
      String bindingHash,
      String returnTo,
      String linkUser,
      Instant expiresAt) {}

  /** A local user's link to an upstream identity. */
  record Link(
      String issuer,
      String subject,
      String providerId,
      UserId userId,
      Instant createdAt,
      Instant lastSignInAt) {}

  /** Stores a new flow (and forgets expired ones). */
  void saveFlow(Flow flow, Instant now);

  /** The unexpired flow with this state hash, left in place. */
  Optional<Flow> findFlow(String stateHash, Instant now);

  /** Removes and returns the unexpired flow with this state hash: of two racing uses one wins. */
  Optional<Flow> takeFlow(String stateHash, Instant now);

  /**
   * A provider added at run time: its mapping as in {@code gatehouse.yml} (JSON, no secret) and its
   * client secret sealed with the at-rest key.
   */
  record StoredProvider(String id, String definition, String sealedSecret, Instant createdAt) {}

  /** The providers added at run time, oldest first. */
  List<StoredProvider> storedProviders();

  /** Stores a provider added at run time; false when one with its id is stored already. */
  boolean storeProvider(StoredProvider provider);

  /** Removes a provider added at run time; whether there was one. */
  boolean removeProvider(String id);

  /** The link of an upstream identity, if any. */
  Optional<Link> find(String issuer, String subject);

  /** Links an upstream identity to a user (it must not be linked yet). */
  void link(Link link);

  /** Records a sign-in through a linked identity. */
  void touch(String issuer, String subject, Instant at);

  /** The identities linked to a user. */
  List<Link> linksOf(UserId user);

  /** Removes a user's link; whether there was one. */
  boolean unlink(UserId user, String issuer, String subject);

  /** The groups {@code user} holds because {@code providerId} sent them. */
  java.util.Set<String> upstreamGroups(UserId user, String providerId);

  /** Replaces the record of the groups {@code user} holds because {@code providerId} sent them. */
  void recordUpstreamGroups(UserId user, String providerId, java.util.Set<String> groups);
}
