package dev.gatehouse.keys;

import java.util.function.Supplier;

/**
 * Server-wide secrets shared by every node (e.g. the CSRF key), kept in the database so that
 * several nodes agree. Thread-safe.
 */
public interface ServerSecrets {
  /**
   * The secret stored under {@code name}; when none exists yet, stores {@code generator}'s value.
   * When two nodes race, both get the one that was stored first.
   */
  String getOrCreate(String name, Supplier<String> generator);
}
