package dev.gatehouse.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Set;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * EdDSA (Ed25519, RFC 8037) JWS: keys made and encoded by the JDK ({@code SunEC}, JEP 339),
 * signatures made and checked by Bouncy Castle's lightweight Ed25519.
 *
 * <p>Why not Nimbus's {@code Ed25519Signer}: it calls Google Tink, which would bring Tink and
 * protobuf (~4 MB) into a small service for one algorithm. Why not the JDK's signature: it took
 * ~650 µs to sign and to verify here, Bouncy Castle's ~33 and ~80 µs (bench/RESULTS.md), without
 * the ~220 ms its JCA provider costs to register. Nimbus keeps the JWS format and the JWK; this
 * class only hands Nimbus a {@link JWSSigner} and {@link JWSVerifier}. Immutable and thread-safe.
 */
public final class Ed25519Jws {
  /**
   * The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): the X.509 form is this
   * followed by the 32 raw bytes of the JWK's {@code x}.
   */
  private static final byte[] X509_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private static final int KEY_BYTES = 32;

  private Ed25519Jws() {}

  /** A fresh Ed25519 signing key as an OKP JWK ({@code alg: EdDSA}, {@code use: sig}). */
  public static OctetKeyPair generate(String kid, SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(NamedParameterSpec.ED25519, random);
      KeyPair pair = generator.generateKeyPair();
      byte[] d =
          ((EdECPrivateKey) pair.getPrivate())
              .getBytes()
              .orElseThrow(() -> new IllegalStateException("the JDK hid the Ed25519 key bytes"));
      return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(raw(pair.getPublic())))
          .d(Base64URL.encode(d))
          .keyID(kid)
          .algorithm(JWSAlgorithm.EdDSA)
          .keyUse(KeyUse.SIGNATURE)
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot make Ed25519 keys", e);
    }
  }

  /** The Java public key of an Ed25519 JWK. */
  public static PublicKey publicKey(OctetKeyPair jwk) throws JOSEException {
    requireEd25519(jwk);
    byte[] x = jwk.getX().decode();
    if (x.length != KEY_BYTES) {
      throw new JOSEException("an Ed25519 public key has 32 bytes");
    }
    byte[] der = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + KEY_BYTES);
    System.arraycopy(x, 0, der, X509_PREFIX.length, KEY_BYTES);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException e) {
      throw new JOSEException("not an Ed25519 public key", e);
    }
  }

  /** A signer with the private part of an Ed25519 JWK. */
  public static JWSSigner signer(OctetKeyPair jwk) throws JOSEException {
    requireEd25519(jwk);
    if (jwk.getD() == null) {
      throw new JOSEException("an Ed25519 signer needs the private key");
    }
    byte[] d = jwk.getD().decode();
    if (d.length != KEY_BYTES) {
      throw new JOSEException("an Ed25519 private key has 32 bytes");
    }
    return new Signer(new Ed25519PrivateKeyParameters(d));
  }

  /** A verifier for an Ed25519 public key (from {@link #publicKey}). */
  public static JWSVerifier verifier(EdECPublicKey key) throws JOSEException {
    if (!NamedParameterSpec.ED25519.getName().equals(key.getParams().getName())) {
      throw new JOSEException("EdDSA needs an Ed25519 public key");
    }
    try {
      return new Verifier(new Ed25519PublicKeyParameters(raw(key)));
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new JOSEException("not an Ed25519 public key", e);
    }
  }

  private static byte[] raw(PublicKey key) {
    byte[] der = key.getEncoded();
    if (der.length != X509_PREFIX.length + KEY_BYTES
        || !Arrays.equals(der, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
      throw new IllegalStateException("unexpected Ed25519 public key encoding");
    }
    return Arrays.copyOfRange(der, X509_PREFIX.length, der.length);
  }

  private static void requireEd25519(OctetKeyPair jwk) throws JOSEException {
    if (!Curve.Ed25519.equals(jwk.getCurve())) {
      throw new JOSEException("only the Ed25519 curve is supported, not " + jwk.getCurve());
    }
  }

  /** Signs with Bouncy Castle's Ed25519 (deterministic, RFC 8032). */
  private record Signer(Ed25519PrivateKeyParameters key) implements JWSSigner {
    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
      if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
        throw new JOSEException("an Ed25519 key signs only EdDSA");
      }
      Ed25519Signer ed25519 = new Ed25519Signer();
      ed25519.init(true, key);
      ed25519.update(signingInput, 0, signingInput.length);
      return Base64URL.encode(ed25519.generateSignature());
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(JWSAlgorithm.EdDSA);
    }

    @Override
    public JCAContext getJCAContext() {
      return new JCAContext();
    }
  }

  /**
   * Verifies with Bouncy Castle's Ed25519, which refuses a non-canonical S: only {@code EdDSA}
   * headers without critical parameters.
   */
  private record Verifier(Ed25519PublicKeyParameters key) implements JWSVerifier {
    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) {
      if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())
          || (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty())) {
        return false;
      }
      byte[] bytes = signature.decode();
      if (bytes.length != Ed25519PrivateKeyParameters.SIGNATURE_SIZE) {
        return false;
      }
      Ed25519Signer ed25519 = new Ed25519Signer();
      ed25519.init(false, key);
      ed25519.update(signingInput, 0, signingInput.length);
      return ed25519.verifySignature(bytes);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(JWSAlgorithm.EdDSA);
    }

    @Override
    public JCAContext getJCAContext() {
      return new JCAContext();
    }
  }
}
