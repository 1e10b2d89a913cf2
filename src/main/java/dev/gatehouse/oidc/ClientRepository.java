package dev.gatehouse.oidc;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Storage of the clients made with the CLI. Thread-safe; never returns null; {@link
 * ClientException.Duplicate} on a taken id.
 */
public interface ClientRepository {
  /** Every stored client, by id. */
  List<Client> list();

  /** The stored client with this id. */
  Optional<Client> find(String id);

  /** Stores a new client. */
  void insert(Client client, Instant now);

  /** Replaces a stored client; false when there is none with its id. */
  boolean update(Client client, Instant now);

  /** Deletes a client and every grant and token it holds; false when there was none. */
  boolean delete(String id);
}
