package dev.gatehouse.session;

import java.time.Instant;
import java.util.Optional;

/** Storage of cross-domain hand-off codes (hashes only). Thread-safe; no method returns null. */
public interface HandOffRepository {
  /**
   * A stored code.
   *
   * @param codeHash SHA-256 of the code, hex
   * @param sessionId the sign-in (root session) it opens a session from
   * @param domain the further cookie domain it is for
   * @param binding SHA-256 of the browser's nonce, hex
   * @param returnTo where the browser goes once the cookie is set
   */
  record Code(
      String codeHash,
      String sessionId,
      String domain,
      String binding,
      String returnTo,
      Instant expiresAt) {}

  /** Stores a new code; durable when this returns. */
  void insert(Code code);

  /** Deletes and returns the code with this hash: a code can be taken once only. */
  Optional<Code> take(String codeHash);

  /** Deletes codes that expired before {@code before}; count deleted. */
  int purge(Instant before);
}
