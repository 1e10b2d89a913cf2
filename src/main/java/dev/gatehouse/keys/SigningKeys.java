package dev.gatehouse.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.gatehouse.kernel.NonBlocking;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The provider's token-signing keys: one ES256 (the default), one RS256 (for older clients) and one
 * EdDSA (Ed25519, access tokens only) in use at a time. Keys are generated at first start, stored
 * sealed with the at-rest key, and stable across restarts. A rotation stores new keys that are
 * published at once but sign only from a later moment, and retires the old ones then; a retired key
 * stays published for {@link #RETIRED_KEPT}, longer than any token it signed lives. Nodes and the
 * CLI share the store: {@link #reload()} picks up their changes. Thread-safe.
 */
public final class SigningKeys {
  /** How long a retired key stays published: the longest lifetime of a signed token. */
  public static final Duration RETIRED_KEPT = Duration.ofHours(24);

  /** The signing algorithms offered, the default first: one key of each is in use at a time. */
  public static final List<JWSAlgorithm> ALGORITHMS =
      List.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256, JWSAlgorithm.EdDSA);

  /**
   * The algorithms of ID tokens: OIDC Core defines {@code at_hash} and {@code c_hash} for these
   * only (EdDSA has no agreed hash there), so EdDSA signs access tokens only.
   */
  public static final List<JWSAlgorithm> ID_TOKEN_ALGORITHMS =
      List.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256);

  /** The key set as loaded: private keys by kid, and the signing key per algorithm. */
  private record State(
      List<SigningKeyRepository.StoredKey> stored,
      Map<String, JWK> privateKeys,
      JWKSet published) {}

  /** A key and what it is, as {@code gatehouse keys list} shows it. */
  public record KeyInfo(
      String kid, String alg, Instant activeFrom, Optional<Instant> retiredAt, String state) {}

  private final SigningKeyRepository repository;
  private final AtRestCipher cipher;
  private final Clock clock;
  private final SecureRandom random;
  private volatile State state;

  /** Loads the keys, creating the first ones when there are none. */
  public SigningKeys(
      SigningKeyRepository repository, AtRestCipher cipher, Clock clock, SecureRandom random) {
    this.repository = repository;
    this.cipher = cipher;
    this.clock = clock;
    this.random = random;
    reload();
    // First start, or an upgrade that brought an algorithm: a key for each one missing, leaving
    // the others signing (a full rotation would retire keys for no reason).
    List<JWSAlgorithm> missing =
        ALGORITHMS.stream().filter(alg -> signingKey(alg).isEmpty()).toList();
    if (!missing.isEmpty()) {
      repository.add(stored(missing, clock.instant(), clock.instant()));
      reload();
    }
  }

  /**
   * Introduces new keys for every algorithm: published now, signing from {@code now + activateIn},
   * when the current keys retire.
   */
  public List<String> rotate(Duration activateIn) {
    Instant now = clock.instant();
    Instant activeFrom = now.plus(activateIn);
    List<SigningKeyRepository.StoredKey> fresh = stored(ALGORITHMS, now, activeFrom);
    repository.rotate(fresh, activeFrom);
    reload();
    return fresh.stream().map(SigningKeyRepository.StoredKey::kid).toList();
  }

  /** New keys of {@code algorithms}, sealed for storage, signing from {@code activeFrom}. */
  private List<SigningKeyRepository.StoredKey> stored(
      List<JWSAlgorithm> algorithms, Instant now, Instant activeFrom) {
    List<SigningKeyRepository.StoredKey> fresh = new ArrayList<>();
    for (JWSAlgorithm alg : algorithms) {
      JWK key = generate(alg);
      fresh.add(
          new SigningKeyRepository.StoredKey(
              key.getKeyID(),
              alg.getName(),
              cipher.encrypt(
                  key.toJSONString().getBytes(StandardCharsets.UTF_8), purpose(key.getKeyID())),
              now,
              activeFrom,
              Optional.empty()));
    }
    return fresh;
  }

  /**
   * The Java public key of one of our published keys, for a verifier (Nimbus cannot export an
   * Ed25519 JWK itself).
   */
  public static java.security.PublicKey javaPublicKey(JWK key) throws JOSEException {
    return switch (key) {
      case com.nimbusds.jose.jwk.ECKey ec -> ec.toECPublicKey();
      case com.nimbusds.jose.jwk.RSAKey rsa -> rsa.toRSAPublicKey();
      case com.nimbusds.jose.jwk.OctetKeyPair okp -> Ed25519Jws.publicKey(okp);
      default -> throw new JOSEException("not a signing key type of ours: " + key.getKeyType());
    };
  }

  /** A signer with the private part of one of our keys. */
  public static com.nimbusds.jose.JWSSigner signer(JWK key) throws JOSEException {
    return switch (key) {
      case com.nimbusds.jose.jwk.ECKey ec -> Es256Jws.signer(ec);
      case com.nimbusds.jose.jwk.RSAKey rsa -> new com.nimbusds.jose.crypto.RSASSASigner(rsa);
      case com.nimbusds.jose.jwk.OctetKeyPair okp -> Ed25519Jws.signer(okp);
      default -> throw new JOSEException("not a signing key type of ours: " + key.getKeyType());
    };
  }

  /**
   * Nimbus's verifier factory with ES256 and EdDSA checked by Bouncy Castle ({@link Es256Jws},
   * {@link Ed25519Jws}); RS256 stays with Nimbus on the JDK, whose RSA is the faster.
   */
  public static com.nimbusds.jose.proc.JWSVerifierFactory verifierFactory() {
    return new VerifierFactory();
  }

  private static final class VerifierFactory implements com.nimbusds.jose.proc.JWSVerifierFactory {
    private final com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory nimbus =
        new com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory();

    @Override
    public com.nimbusds.jose.JWSVerifier createJWSVerifier(
        com.nimbusds.jose.JWSHeader header, java.security.Key key) throws JOSEException {
      if (JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
        if (key instanceof java.security.interfaces.EdECPublicKey ed) {
          return Ed25519Jws.verifier(ed);
        }
        throw new JOSEException("EdDSA needs an Ed25519 public key");
      }
      if (JWSAlgorithm.ES256.equals(header.getAlgorithm())) {
        if (key instanceof java.security.interfaces.ECPublicKey ec) {
          return Es256Jws.verifier(ec);
        }
        throw new JOSEException("ES256 needs a P-256 public key");
      }
      return nimbus.createJWSVerifier(header, key);
    }

    @Override
    public java.util.Set<JWSAlgorithm> supportedJWSAlgorithms() {
      java.util.Set<JWSAlgorithm> all = new java.util.HashSet<>(nimbus.supportedJWSAlgorithms());
      all.add(JWSAlgorithm.EdDSA);
      return java.util.Set.copyOf(all);
    }

    @Override
    public com.nimbusds.jose.jca.JCAContext getJCAContext() {
      return nimbus.getJCAContext();
    }
  }

  /** The earliest {@link System#nanoTime()} of the next reload for an unknown key. */
  private final java.util.concurrent.atomic.AtomicLong nextUnknownKeyReload =
      new java.util.concurrent.atomic.AtomicLong(Long.MIN_VALUE);

  /**
   * Re-reads the store because a token named a key this process does not know — made by the CLI or
   * another node since the last reload — at most once every 5 seconds, so that tokens with invented
   * key ids cannot make every request read the store. Whether it reloaded.
   */
  public boolean reloadForUnknownKey() {
    // Before the budget is spent: a thread that must not wait would spend it and then not reload.
    NonBlocking.mayBlock();
    long now = System.nanoTime();
    long next = nextUnknownKeyReload.get();
    if (next != Long.MIN_VALUE && now - next < 0) {
      return false;
    }
    if (!nextUnknownKeyReload.compareAndSet(next, now + 5_000_000_000L)) {
      return false;
    }
    reload();
    return true;
  }

  /** Re-reads the store (another node or the CLI may have rotated) and forgets expired keys. */
  public void reload() {
    Instant now = clock.instant();
    Instant forgetBefore = now.minus(RETIRED_KEPT);
    List<SigningKeyRepository.StoredKey> stored = repository.list();
    // Delete only when there is something to forget: on PostgreSQL every DELETE statement, even
    // one that removes nothing, notifies every node that the keys changed, and each node answers
    // with a reload: an unconditional delete here kept all nodes reloading each other for ever.
    if (stored.stream().anyMatch(k -> k.retiredAt().map(forgetBefore::isAfter).orElse(false))) {
      repository.deleteRetiredBefore(forgetBefore);
      stored = repository.list();
    }
    Map<String, JWK> keys = new java.util.HashMap<>();
    List<JWK> published = new ArrayList<>();
    for (SigningKeyRepository.StoredKey key : stored) {
      JWK jwk = open(key);
      keys.put(key.kid(), jwk);
      published.add(jwk.toPublicJWK());
    }
    state = new State(List.copyOf(stored), Map.copyOf(keys), new JWKSet(published));
  }

  /** The key that signs with {@code alg} now: the newest active one that is not retired. */
  public Optional<JWK> signingKey(JWSAlgorithm alg) {
    Instant now = clock.instant();
    State current = state;
    return current.stored().stream()
        .filter(k -> k.alg().equals(alg.getName()))
        .filter(k -> !k.activeFrom().isAfter(now))
        .filter(k -> k.retiredAt().map(r -> r.isAfter(now)).orElse(true))
        .max(Comparator.comparing(SigningKeyRepository.StoredKey::activeFrom))
        .map(k -> current.privateKeys().get(k.kid()));
  }

  /** The public keys: those in use, those about to be, and retired ones whose tokens may live. */
  public JWKSet publicKeys() {
    return state.published();
  }

  /** Every key and its state, newest first. */
  public List<KeyInfo> describe() {
    Instant now = clock.instant();
    List<KeyInfo> out = new ArrayList<>();
    for (SigningKeyRepository.StoredKey key : state.stored()) {
      String what;
      if (key.activeFrom().isAfter(now)) {
        what = "published, signs from " + key.activeFrom();
      } else if (key.retiredAt().map(r -> !r.isAfter(now)).orElse(false)) {
        what = "retired, published until " + key.retiredAt().get().plus(RETIRED_KEPT);
      } else {
        what = "signing";
      }
      out.add(new KeyInfo(key.kid(), key.alg(), key.activeFrom(), key.retiredAt(), what));
    }
    out.sort(Comparator.comparing(KeyInfo::activeFrom).reversed());
    return out;
  }

  private JWK generate(JWSAlgorithm alg) {
    byte[] id = new byte[12];
    random.nextBytes(id);
    String kid = HexFormat.of().formatHex(id);
    try {
      if (alg.equals(JWSAlgorithm.EdDSA)) {
        return Ed25519Jws.generate(kid, random);
      }
      if (alg.equals(JWSAlgorithm.ES256)) {
        return new ECKeyGenerator(Curve.P_256)
            .keyID(kid)
            .algorithm(alg)
            .keyUse(KeyUse.SIGNATURE)
            .secureRandom(random)
            .generate();
      }
      return new RSAKeyGenerator(2048)
          .keyID(kid)
          .algorithm(alg)
          .keyUse(KeyUse.SIGNATURE)
          .secureRandom(random)
          .generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate a " + alg + " key", e);
    }
  }

  private JWK open(SigningKeyRepository.StoredKey key) {
    byte[] plain =
        cipher
            .decrypt(key.sealedJwk(), purpose(key.kid()))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "signing key "
                            + key.kid()
                            + " cannot be decrypted: the at-rest key file is not the one it was"
                            + " sealed with (copy <data-dir>/at-rest.key from the node that made"
                            + " it)"));
    try {
      return JWK.parse(new String(plain, StandardCharsets.UTF_8));
    } catch (ParseException e) {
      throw new IllegalStateException("signing key " + key.kid() + " is not a JWK", e);
    }
  }

  private static String purpose(String kid) {
    return "signing-key:" + kid;
  }
}
