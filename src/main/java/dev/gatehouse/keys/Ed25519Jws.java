package dev.gatehouse.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Set;

/**
 * EdDSA (Ed25519, RFC 8037) JWS with the JDK's own Ed25519 ({@code SunEC}, JEP 339).
 *
 * <p>Why not Nimbus's {@code Ed25519Signer}: it calls Google Tink, which would bring Tink and
 * protobuf (~4 MB) into a small service for one algorithm the JDK already has. Nimbus keeps the JWS
 * format and the JWK; this class only hands Nimbus a {@link JWSSigner} and {@link JWSVerifier}
 * whose signature is the JDK's. Immutable and thread-safe.
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
    PrivateKey key;
    try {
      key =
          KeyFactory.getInstance("Ed25519")
              .generatePrivate(
                  new EdECPrivateKeySpec(NamedParameterSpec.ED25519, jwk.getD().decode()));
    } catch (GeneralSecurityException e) {
      throw new JOSEException("not an Ed25519 private key", e);
    }
    return new Signer(key);
  }

  /**
   * Nimbus's verifier factory, with Ed25519 public keys (from {@link #publicKey}) verified by the
   * JDK; every other key type goes to Nimbus's own factory.
   */
  public static JWSVerifierFactory verifierFactory() {
    return new VerifierFactory();
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

  /** Signs with the JDK's Ed25519. */
  private record Signer(PrivateKey key) implements JWSSigner {
    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
      if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
        throw new JOSEException("an Ed25519 key signs only EdDSA");
      }
      try {
        Signature signature = Signature.getInstance("Ed25519");
        signature.initSign(key);
        signature.update(signingInput);
        return Base64URL.encode(signature.sign());
      } catch (GeneralSecurityException e) {
        throw new JOSEException("Ed25519 signing failed", e);
      }
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

  /** Verifies with the JDK's Ed25519: only {@code EdDSA} headers, only Ed25519 public keys. */
  private record Verifier(PublicKey key) implements JWSVerifier {
    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature)
        throws JOSEException {
      if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
        return false;
      }
      try {
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(key);
        verifier.update(signingInput);
        return verifier.verify(signature.decode());
      } catch (java.security.SignatureException e) {
        return false; // a malformed signature is simply not a valid one
      } catch (GeneralSecurityException e) {
        throw new JOSEException("Ed25519 verification failed", e);
      }
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

  private static final class VerifierFactory implements JWSVerifierFactory {
    private final DefaultJWSVerifierFactory nimbus = new DefaultJWSVerifierFactory();

    @Override
    public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
      if (JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
        if (key instanceof EdECPublicKey edKey
            && NamedParameterSpec.ED25519.getName().equals(edKey.getParams().getName())) {
          return new Verifier(edKey);
        }
        throw new JOSEException("EdDSA needs an Ed25519 public key");
      }
      return nimbus.createJWSVerifier(header, key);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      Set<JWSAlgorithm> all = new java.util.HashSet<>(nimbus.supportedJWSAlgorithms());
      all.add(JWSAlgorithm.EdDSA);
      return Set.copyOf(all);
    }

    @Override
    public JCAContext getJCAContext() {
      return nimbus.getJCAContext();
    }
  }
}
