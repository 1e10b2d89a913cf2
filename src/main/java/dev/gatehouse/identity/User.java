package dev.gatehouse.identity;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.Optional;

/**
 * A directory user. Immutable.
 *
 * @param username canonical (NFKC, lower case), unique
 * @param email canonical (NFKC, lower case), unique when present
 * @param emailVerified whether the owner has followed a link sent to {@code email}
 * @param admin whether the user administers Gatehouse
 */
public record User(
    UserId id,
    String username,
    Optional<String> email,
    boolean emailVerified,
    String displayName,
    boolean disabled,
    boolean admin,
    Instant createdAt,
    Optional<Instant> lastSignInAt) {}
