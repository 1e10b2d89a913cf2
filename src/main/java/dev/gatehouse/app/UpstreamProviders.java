package dev.gatehouse.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.config.IdentityProviders;
import dev.gatehouse.kernel.Secret;
import dev.gatehouse.keys.AtRestCipher;
import dev.gatehouse.signin.upstream.UpstreamProvider;
import dev.gatehouse.signin.upstream.UpstreamRepository;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream providers added at run time ({@code gatehouse idp add}): the mapping of {@code
 * gatehouse.yml}, stored as JSON and checked by the same rules, with the client secret sealed with
 * the at-rest key — a database dump holds no usable secret. Thread-safe.
 */
final class UpstreamProviders {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamProviders.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final UpstreamRepository repository;
  private final AtRestCipher atRest;
  private final GatehouseConfig.Registration defaults;
  private final Predicate<String> configured;
  private final Clock clock;

  /** {@code configured} tells the ids of gatehouse.yml's providers, which cannot be added again. */
  UpstreamProviders(
      UpstreamRepository repository,
      AtRestCipher atRest,
      GatehouseConfig.Registration defaults,
      Predicate<String> configured,
      Clock clock) {
    this.repository = repository;
    this.atRest = atRest;
    this.defaults = defaults;
    this.configured = configured;
    this.clock = clock;
  }

  /**
   * The stored providers that can be read; one that cannot (sealed with another key, or no longer
   * valid after an upgrade) is left out and logged: nobody signs in through it.
   */
  List<UpstreamProvider> load() {
    List<UpstreamProvider> providers = new ArrayList<>();
    for (UpstreamRepository.StoredProvider stored : repository.storedProviders()) {
      try {
        providers.add(read(stored));
      } catch (ConfigException | JsonProcessingException | IllegalStateException e) {
        LOG.error(
            "identity provider {} (added with gatehouse idp add) cannot be used: {}",
            stored.id(),
            e.getMessage());
      }
    }
    return List.copyOf(providers);
  }

  /**
   * Checks and stores a provider. {@code definition} is its mapping as in gatehouse.yml without the
   * secret file. Throws {@link ConfigException} naming what is wrong, {@link
   * IllegalArgumentException} when the id is taken.
   */
  UpstreamProvider add(ObjectNode definition, Secret secret) {
    UpstreamProvider provider = IdentityProviders.fromDefinition(definition, secret, defaults);
    // Stored under its normalised id, so the row and the provider always agree.
    definition.put("id", provider.id());
    if (configured.test(provider.id())) {
      throw new IllegalArgumentException(
          "identity provider "
              + provider.id()
              + " is configured in gatehouse.yml; change it there or pick another id");
    }
    String sealed =
        atRest.encrypt(secret.reveal().getBytes(StandardCharsets.UTF_8), purpose(provider.id()));
    boolean stored =
        repository.storeProvider(
            new UpstreamRepository.StoredProvider(
                provider.id(), definition.toString(), sealed, clock.instant()));
    if (!stored) {
      throw new IllegalArgumentException(
          "identity provider " + provider.id() + " exists already; remove it first to replace it");
    }
    return provider;
  }

  /** Removes a provider added at run time; whether there was one. */
  boolean remove(String id) {
    return repository.removeProvider(id);
  }

  private UpstreamProvider read(UpstreamRepository.StoredProvider stored)
      throws JsonProcessingException {
    byte[] secret =
        atRest
            .decrypt(stored.sealedSecret(), purpose(stored.id()))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "its client secret was sealed with another at-rest key"));
    return IdentityProviders.fromDefinition(
        JSON.readTree(stored.definition()),
        Secret.of(new String(secret, StandardCharsets.UTF_8)),
        defaults);
  }

  private static String purpose(String id) {
    return "upstream-secret:" + id;
  }
}
