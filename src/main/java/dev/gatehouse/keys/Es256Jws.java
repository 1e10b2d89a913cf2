package dev.gatehouse.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.Base64URL;
import dev.gatehouse.kernel.Tokens;
import java.math.BigInteger;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Set;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.util.BigIntegers;

/**
 * ES256 JWS (ECDSA on P-256 with SHA-256, RFC 7518 §3.4) with Bouncy Castle's lightweight ECDSA on
 * its own P-256 arithmetic, nonces derived as RFC 6979 says (no dependence on the random source).
 *
 * <p>Why not Nimbus's {@code ECDSASigner} on the JDK: the JDK's pure-Java P-256 took ~135 µs per
 * signature and ~390 µs per verification here, Bouncy Castle's ~80 and ~190 µs, and ES256 is the
 * default for every access and ID token (bench/RESULTS.md). Bouncy Castle's JCA provider would do
 * the same arithmetic but costs ~220 ms of start-up to register; its lightweight classes load only
 * what they use. Nimbus keeps the JWS format and the JWK; this class only hands it a {@link
 * JWSSigner} and {@link JWSVerifier}. Immutable and thread-safe.
 */
public final class Es256Jws {
  private static final ECDomainParameters P256;

  static {
    X9ECParameters curve = CustomNamedCurves.getByName("P-256");
    P256 = new ECDomainParameters(curve.getCurve(), curve.getG(), curve.getN(), curve.getH());
  }

  /** The length of r and of s in a JWS signature: the size of the curve's order. */
  private static final int HALF = 32;

  private Es256Jws() {}

  /** A signer with the private part of a P-256 JWK. */
  public static JWSSigner signer(ECKey jwk) throws JOSEException {
    requireP256(jwk);
    if (jwk.getD() == null) {
      throw new JOSEException("an ES256 signer needs the private key");
    }
    BigInteger d = jwk.getD().decodeToBigInteger();
    if (d.signum() <= 0 || d.compareTo(P256.getN()) >= 0) {
      throw new JOSEException("not a P-256 private key");
    }
    return new Signer(new ECPrivateKeyParameters(d, P256));
  }

  /**
   * A verifier for a P-256 public key. The point is checked to be on the curve and not the point at
   * infinity.
   */
  public static JWSVerifier verifier(ECPublicKey key) throws JOSEException {
    if (!Curve.P_256.equals(Curve.forECParameterSpec(key.getParams()))) {
      throw new JOSEException("ES256 needs a P-256 public key");
    }
    try {
      return new Verifier(
          new ECPublicKeyParameters(
              P256.getCurve()
                  .createPoint(key.getW().getAffineX(), key.getW().getAffineY())
                  .normalize(),
              P256));
    } catch (IllegalArgumentException e) {
      throw new JOSEException("not a P-256 public key", e);
    }
  }

  /** A verifier for a P-256 JWK. */
  public static JWSVerifier verifier(ECKey jwk) throws JOSEException {
    requireP256(jwk);
    return verifier(jwk.toECPublicKey());
  }

  private static void requireP256(ECKey jwk) throws JOSEException {
    if (!Curve.P_256.equals(jwk.getCurve())) {
      throw new JOSEException("ES256 needs the P-256 curve, not " + jwk.getCurve());
    }
  }

  private record Signer(ECPrivateKeyParameters key) implements JWSSigner {
    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
      if (!JWSAlgorithm.ES256.equals(header.getAlgorithm())) {
        throw new JOSEException("a P-256 key signs only ES256");
      }
      ECDSASigner ecdsa = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
      ecdsa.init(true, key);
      BigInteger[] rs = ecdsa.generateSignature(Tokens.sha256(signingInput));
      byte[] signature = new byte[2 * HALF];
      BigIntegers.asUnsignedByteArray(rs[0], signature, 0, HALF);
      BigIntegers.asUnsignedByteArray(rs[1], signature, HALF, HALF);
      return Base64URL.encode(signature);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(JWSAlgorithm.ES256);
    }

    @Override
    public JCAContext getJCAContext() {
      return new JCAContext();
    }
  }

  /** Only {@code ES256} headers without critical parameters, only 64-byte r‖s signatures. */
  private record Verifier(ECPublicKeyParameters key) implements JWSVerifier {
    @Override
    public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) {
      if (!JWSAlgorithm.ES256.equals(header.getAlgorithm())
          || (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty())) {
        return false;
      }
      byte[] rs = signature.decode();
      if (rs.length != 2 * HALF) {
        return false; // DER or any other length is not a JWS ES256 signature (RFC 7518 §3.4)
      }
      ECDSASigner ecdsa = new ECDSASigner();
      ecdsa.init(false, key);
      // Bouncy Castle refuses r and s outside [1, n-1] itself.
      return ecdsa.verifySignature(
          Tokens.sha256(signingInput),
          new BigInteger(1, Arrays.copyOfRange(rs, 0, HALF)),
          new BigInteger(1, Arrays.copyOfRange(rs, HALF, 2 * HALF)));
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return Set.of(JWSAlgorithm.ES256);
    }

    @Override
    public JCAContext getJCAContext() {
      return new JCAContext();
    }
  }
}
