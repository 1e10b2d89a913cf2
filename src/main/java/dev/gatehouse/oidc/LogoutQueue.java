package dev.gatehouse.oidc;

import java.time.Instant;
import java.util.List;

/** Back-channel logout notices still to be delivered (a port; see {@link Logout}). */
public interface LogoutQueue {
  /** One notice: tell {@code clientId} that {@code userId}'s session {@code sessionId} ended. */
  record Notice(
      String id,
      String clientId,
      String userId,
      String sessionId,
      Instant createdAt,
      int attempts) {}

  /** Queues notices, durably, before the sign-out is answered. */
  void add(List<Notice> notices, Instant now);

  /** Notices due at {@code now}, at most {@code limit}. */
  List<Notice> due(Instant now, int limit);

  /** Takes a due notice for this process until {@code leaseUntil}; false when another has it. */
  boolean claim(String id, Instant now, Instant leaseUntil);

  /** Delivered (or given up): forgets it. */
  void remove(String id);

  /** Failed: tries again at {@code next}. */
  void retryAt(String id, Instant next);
}
