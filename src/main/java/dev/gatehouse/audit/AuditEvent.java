package dev.gatehouse.audit;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.Optional;

/**
 * One security event. {@code detail} is short, plain text chosen by Gatehouse (a method, a key id,
 * a reason), never a secret. Immutable.
 *
 * @param kind e.g. {@code signin.success}, {@code signin.failure}, {@code factor.added}
 * @param username the account concerned, or what was typed for a failed sign-in
 * @param actor who did it when someone else did: {@code user:NAME} (an administrator), {@code
 *     apikey:ID}, {@code client:ID}, {@code cli}; empty when the account concerned did it itself
 */
public record AuditEvent(
    String id,
    Instant at,
    String kind,
    Optional<UserId> user,
    String username,
    String clientAddress,
    String detail,
    String actor) {}
