package dev.gatehouse.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.EdECPublicKey;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * ES256 and EdDSA signatures made and checked by Bouncy Castle ({@link Es256Jws}, {@link
 * Ed25519Jws}), held against the published test vectors and against independent implementations:
 * the JDK's own ECDSA and Ed25519, and Nimbus's ECDSA signer and verifier.
 */
class JwsSignaturesTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** RFC 6979 A.2.5: the P-256 key. */
  private static final ECKey RFC6979_KEY =
      new ECKey.Builder(
              Curve.P_256,
              b64("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"),
              b64("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299"))
          .d(b64("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"))
          .build();

  /** RFC 8032 §7.1, TEST 1 (the empty message). */
  private static final OctetKeyPair RFC8032_KEY =
      new OctetKeyPair.Builder(
              Curve.Ed25519,
              b64("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))
          .d(b64("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
          .build();

  @Test
  void anEs256SignatureIsTheRfc6979OneForSha256AndTheMessageSample() throws Exception {
    Base64URL signature =
        Es256Jws.signer(RFC6979_KEY)
            .sign(new JWSHeader(JWSAlgorithm.ES256), "sample".getBytes(StandardCharsets.UTF_8));

    assertThat(HEX.formatHex(signature.decode()))
        .isEqualToIgnoringCase(
            "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
                + "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
  }

  @Test
  void anEdDsaSignatureIsTheRfc8032One() throws Exception {
    Base64URL signature =
        Ed25519Jws.signer(RFC8032_KEY).sign(new JWSHeader(JWSAlgorithm.EdDSA), new byte[0]);

    assertThat(HEX.formatHex(signature.decode()))
        .isEqualTo(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  }

  @Test
  void es256TokensSignedHereVerifyWithTheJdkAndNimbusAndTheirsVerifyHere() throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).generate();
    for (int i = 0; i < 50; i++) {
      JWSObject ours = signed(JWSAlgorithm.ES256, "ours " + i);
      ours.sign(Es256Jws.signer(key));
      assertThat(ours.verify(new ECDSAVerifier(key.toPublicJWK()))).isTrue();
      Signature jdk = Signature.getInstance("SHA256withECDSAinP1363Format");
      jdk.initVerify(key.toECPublicKey());
      jdk.update(ours.getSigningInput());
      assertThat(jdk.verify(ours.getSignature().decode())).isTrue();

      JWSObject theirs = signed(JWSAlgorithm.ES256, "theirs " + i);
      theirs.sign(new ECDSASigner(key));
      assertThat(theirs.verify(Es256Jws.verifier(key.toPublicJWK()))).isTrue();
    }
  }

  @Test
  void edDsaTokensSignedHereVerifyWithTheJdkAndTheJdksVerifyHere() throws Exception {
    OctetKeyPair key = Ed25519Jws.generate("k", RANDOM);
    EdECPublicKey publicKey = (EdECPublicKey) Ed25519Jws.publicKey(key);
    for (int i = 0; i < 20; i++) {
      JWSObject ours = signed(JWSAlgorithm.EdDSA, "ours " + i);
      ours.sign(Ed25519Jws.signer(key));
      Signature jdk = Signature.getInstance("Ed25519");
      jdk.initVerify(publicKey);
      jdk.update(ours.getSigningInput());
      assertThat(jdk.verify(ours.getSignature().decode())).isTrue();

      JWSObject theirs = signed(JWSAlgorithm.EdDSA, "theirs " + i);
      Signature jdkSigner = Signature.getInstance("Ed25519");
      jdkSigner.initSign(
          java.security.KeyFactory.getInstance("Ed25519")
              .generatePrivate(
                  new java.security.spec.EdECPrivateKeySpec(
                      java.security.spec.NamedParameterSpec.ED25519, key.getD().decode())));
      jdkSigner.update(theirs.getSigningInput());
      JWSObject parsed =
          new JWSObject(
              theirs.getHeader().toBase64URL(),
              theirs.getPayload().toBase64URL(),
              Base64URL.encode(jdkSigner.sign()));
      assertThat(parsed.verify(Ed25519Jws.verifier(publicKey))).isTrue();
    }
  }

  @Test
  void es256RefusesATamperedAnOutOfRangeOrADerEncodedSignatureAndCriticalHeaders()
      throws Exception {
    ECKey key = new ECKeyGenerator(Curve.P_256).generate();
    var verifier = Es256Jws.verifier(key.toPublicJWK());
    JWSObject token = signed(JWSAlgorithm.ES256, "payload");
    token.sign(Es256Jws.signer(key));
    byte[] input = token.getSigningInput();
    byte[] signature = token.getSignature().decode();
    JWSHeader header = token.getHeader();
    assertThat(verifier.verify(header, input, token.getSignature())).isTrue();

    byte[] tampered = input.clone();
    tampered[tampered.length - 1] ^= 1;
    assertThat(verifier.verify(header, tampered, token.getSignature())).isFalse();

    byte[] zeroR = signature.clone();
    java.util.Arrays.fill(zeroR, 0, 32, (byte) 0);
    assertThat(verifier.verify(header, input, Base64URL.encode(zeroR))).isFalse();

    byte[] sIsTheOrder = signature.clone();
    byte[] order = HEX.parseHex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    System.arraycopy(order, 0, sIsTheOrder, 32, 32);
    assertThat(verifier.verify(header, input, Base64URL.encode(sIsTheOrder))).isFalse();

    byte[] der = der(signature);
    assertThat(verifier.verify(header, input, Base64URL.encode(der))).isFalse();
    assertThat(verifier.verify(header, input, Base64URL.encode(new byte[0]))).isFalse();

    JWSHeader critical =
        new JWSHeader.Builder(JWSAlgorithm.ES256)
            .criticalParams(Set.of("exp"))
            .customParam("exp", 1)
            .build();
    JWSObject withCrit = new JWSObject(critical, new Payload("payload"));
    withCrit.sign(Es256Jws.signer(key));
    assertThat(verifier.verify(critical, withCrit.getSigningInput(), withCrit.getSignature()))
        .isFalse();

    JWSHeader other = new JWSHeader(JWSAlgorithm.ES384);
    assertThat(verifier.verify(other, input, token.getSignature())).isFalse();
  }

  @Test
  void edDsaRefusesATamperedOrTruncatedSignatureAndCriticalHeaders() throws Exception {
    OctetKeyPair key = Ed25519Jws.generate("k", RANDOM);
    var verifier = Ed25519Jws.verifier((EdECPublicKey) Ed25519Jws.publicKey(key));
    JWSObject token = signed(JWSAlgorithm.EdDSA, "payload");
    token.sign(Ed25519Jws.signer(key));
    byte[] signature = token.getSignature().decode();
    assertThat(verifier.verify(token.getHeader(), token.getSigningInput(), token.getSignature()))
        .isTrue();

    byte[] flipped = signature.clone();
    flipped[5] ^= 1;
    assertThat(
            verifier.verify(token.getHeader(), token.getSigningInput(), Base64URL.encode(flipped)))
        .isFalse();
    byte[] truncated = java.util.Arrays.copyOf(signature, 63);
    assertThat(
            verifier.verify(
                token.getHeader(), token.getSigningInput(), Base64URL.encode(truncated)))
        .isFalse();

    JWSHeader critical =
        new JWSHeader.Builder(JWSAlgorithm.EdDSA)
            .criticalParams(Set.of("exp"))
            .customParam("exp", 1)
            .build();
    JWSObject withCrit = new JWSObject(critical, new Payload("payload"));
    withCrit.sign(Ed25519Jws.signer(key));
    assertThat(verifier.verify(critical, withCrit.getSigningInput(), withCrit.getSignature()))
        .isFalse();
  }

  @Test
  void aKeyOfAnotherCurveIsNoEs256Key() throws Exception {
    ECKey p384 = new ECKeyGenerator(Curve.P_384).generate();

    assertThatThrownBy(() -> Es256Jws.signer(p384)).isInstanceOf(JOSEException.class);
    assertThatThrownBy(() -> Es256Jws.verifier(p384.toECPublicKey()))
        .isInstanceOf(JOSEException.class);
  }

  private static JWSObject signed(JWSAlgorithm alg, String payload) {
    return new JWSObject(new JWSHeader.Builder(alg).keyID("k").build(), new Payload(payload));
  }

  /** The ASN.1 DER form of an r‖s signature, as the JCA's default ECDSA would give it. */
  private static byte[] der(byte[] rs) {
    byte[] r = new BigInteger(1, java.util.Arrays.copyOfRange(rs, 0, 32)).toByteArray();
    byte[] s = new BigInteger(1, java.util.Arrays.copyOfRange(rs, 32, 64)).toByteArray();
    byte[] out = new byte[6 + r.length + s.length];
    out[0] = 0x30;
    out[1] = (byte) (4 + r.length + s.length);
    out[2] = 0x02;
    out[3] = (byte) r.length;
    System.arraycopy(r, 0, out, 4, r.length);
    out[4 + r.length] = 0x02;
    out[5 + r.length] = (byte) s.length;
    System.arraycopy(s, 0, out, 6 + r.length, s.length);
    return out;
  }

  private static Base64URL b64(String hex) {
    return Base64URL.encode(HEX.parseHex(hex.toLowerCase(java.util.Locale.ROOT)));
  }
}
