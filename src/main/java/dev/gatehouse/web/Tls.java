package dev.gatehouse.web;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The certificate Gatehouse serves HTTPS with: the operator's PEM files, watched and re-read when
 * they change (a broken replacement is logged and the working certificate kept), or a self-signed
 * certificate it makes once and keeps in its own 0700 directory — the key written 0600 from its
 * first byte — with the names users reach it by as subject alternative names. PEM reading and
 * certificate making are Bouncy Castle's; the TLS itself is Jetty's. Thread-safe.
 */
public final class Tls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Tls.class);
  private static final char[] STORE_PASSWORD = "gatehouse".toCharArray();
  private static final Duration SELF_SIGNED_LIFETIME = Duration.ofDays(397);
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);
  private static final Duration SCAN_INTERVAL = Duration.ofSeconds(2);

  private final SslContextFactory.Server factory = new SslContextFactory.Server();
  private final Path certificate;
  private final Path key;
  private final boolean watch;
  private volatile Stamp loaded;
  private ScheduledExecutorService scanner;

  private record Stamp(FileTime certTime, long certSize, FileTime keyTime, long keySize) {}

  private Tls(Path certificate, Path key, boolean watch) {
    this.certificate = certificate;
    this.key = key;
    this.watch = watch;
    factory.setKeyStore(load(certificate, key));
    factory.setKeyStorePassword(new String(STORE_PASSWORD));
    factory.setIncludeProtocols("TLSv1.3", "TLSv1.2");
    this.loaded = stamp();
  }

  /**
   * The operator's certificate chain ({@code certificate}, leaf first) and private key, both PEM;
   * watched for changes once {@link #startWatching} runs.
   */
  public static Tls fromFiles(Path certificate, Path key) {
    try {
      var permissions = Files.getPosixFilePermissions(key);
      if (permissions.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
        LOG.warn(
            "the TLS key {} is readable by every user of this machine; make it 0600 (or 0640"
                + " for a group Gatehouse runs in)",
            key);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Not a POSIX file system: nothing to say.
    }
    return new Tls(certificate, key, true);
  }

  /**
   * A self-signed certificate in {@code directory} (made 0700) for {@code names} (host names and IP
   * addresses): the one made before while it still covers every name and has a month left, else a
   * new one (a new P-256 key).
   */
  public static Tls selfSigned(Path directory, List<String> names, Clock clock) {
    Path cert = directory.resolve("self-signed.crt");
    Path key = directory.resolve("self-signed.key");
    try {
      privateDirectory(directory);
      if (!usable(cert, key, names, clock.instant())) {
        makeSelfSigned(cert, key, names, clock.instant());
        LOG.info("made a self-signed TLS certificate for {} in {}", names, directory);
      } else {
        // Reused: whatever happened to the file meanwhile, only its owner reads the key.
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the self-signed certificate in " + directory, e);
    }
    return new Tls(cert, key, false);
  }

  /** Jetty's factory for the HTTPS connector. */
  public SslContextFactory.Server factory() {
    return factory;
  }

  /** Checks the operator's files every two seconds and reloads them when they change. */
  public void startWatching() {
    if (!watch || scanner != null) {
      return;
    }
    scanner =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("gatehouse-tls-watch").daemon().factory());
    var unused =
        scanner.scheduleWithFixedDelay(
            this::reloadIfChanged,
            SCAN_INTERVAL.toMillis(),
            SCAN_INTERVAL.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  private void reloadIfChanged() {
    Stamp now = stamp();
    if (now == null || now.equals(loaded)) {
      return;
    }
    try {
      KeyStore fresh = load(certificate, key);
      factory.reload(f -> f.setKeyStore(fresh));
      loaded = now;
      LOG.info("TLS certificate reloaded from {}", certificate);
    } catch (Exception e) {
      // Half-written or mismatched files: keep serving the old certificate, try again later.
      LOG.warn("TLS certificate in {} not reloaded: {}", certificate, e.getMessage());
    }
  }

  private Stamp stamp() {
    try {
      return new Stamp(
          Files.getLastModifiedTime(certificate),
          Files.size(certificate),
          Files.getLastModifiedTime(key),
          Files.size(key));
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    if (scanner != null) {
      scanner.shutdownNow();
    }
  }

  /** A key store with the key and chain of the PEM files; fails on a key that is not the leaf's. */
  static KeyStore load(Path certificate, Path key) {
    try {
      List<X509Certificate> chain = certificates(Files.readString(certificate));
      if (chain.isEmpty()) {
        throw new IllegalArgumentException(certificate + " holds no PEM certificate");
      }
      PrivateKey privateKey = privateKey(Files.readString(key), key);
      if (!matches(privateKey, chain.get(0))) {
        throw new IllegalArgumentException(
            key + " is not the private key of the first certificate in " + certificate);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("gatehouse", privateKey, STORE_PASSWORD, chain.toArray(Certificate[]::new));
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + certificate + " or " + key, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot use " + certificate + ": " + e.getMessage(), e);
    }
  }

  private static List<X509Certificate> certificates(String pem)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
      for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
        if (item instanceof X509CertificateHolder holder) {
          chain.add(converter.getCertificate(holder));
        }
      }
    }
    return chain;
  }

  private static PrivateKey privateKey(String pem, Path file) throws IOException {
    try (Reader reader = new StringReader(pem);
        PEMParser parser = new PEMParser(reader)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
        if (item instanceof PEMKeyPair pair) {
          // Traditional "RSA/EC PRIVATE KEY" (an EC one may omit its public key).
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        }
        if (item instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
    }
    throw new IllegalArgumentException(
        file + " holds no unencrypted PEM private key (PKCS#8, RSA or EC)");
  }

  /** Whether {@code key} signs what {@code certificate}'s public key verifies. */
  private static boolean matches(PrivateKey key, X509Certificate certificate)
      throws GeneralSecurityException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "EC", "ECDSA" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> throw new IllegalArgumentException("unsupported key " + key.getAlgorithm());
        };
    byte[] probe = "gatehouse key check".getBytes(StandardCharsets.UTF_8);
    java.security.Signature signer = java.security.Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(probe);
    return verifier.verify(signature);
  }

  private static boolean usable(Path cert, Path key, List<String> names, Instant now) {
    if (!Files.exists(cert) || !Files.exists(key)) {
      return false;
    }
    try {
      load(cert, key);
      X509Certificate leaf = certificates(Files.readString(cert)).get(0);
      if (leaf.getNotAfter().toInstant().isBefore(now.plus(RENEW_BEFORE))) {
        return false;
      }
      Set<String> covered = new TreeSet<>();
      Collection<List<?>> alternatives = leaf.getSubjectAlternativeNames();
      if (alternatives != null) {
        alternatives.forEach(entry -> covered.add(normalise(String.valueOf(entry.get(1)))));
      }
      return names.stream().map(Tls::normalise).allMatch(covered::contains);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      LOG.warn("the self-signed certificate in {} is unusable ({}); making a new one", cert, e);
      return false;
    }
  }

  private static void makeSelfSigned(Path cert, Path key, List<String> names, Instant now)
      throws IOException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair pair = generator.generateKeyPair();
      X500Name subject = new X500Name("CN=" + names.get(0).replaceAll("[,+=\"\\\\<>;#]", ""));
      byte[] serial = new byte[16];
      new SecureRandom().nextBytes(serial);
      serial[0] &= 0x7f;
      List<GeneralName> alternatives = new ArrayList<>();
      for (String name : new LinkedHashSet<>(names)) {
        alternatives.add(
            isAddress(name)
                ? new GeneralName(GeneralName.iPAddress, name)
                : new GeneralName(GeneralName.dNSName, name));
      }
      X509CertificateHolder holder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  new BigInteger(serial),
                  Date.from(now.minus(Duration.ofHours(1))),
                  Date.from(now.plus(SELF_SIGNED_LIFETIME)),
                  subject,
                  pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(alternatives.toArray(GeneralName[]::new)))
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
      Files.deleteIfExists(key);
      // The key file exists with owner-only permissions before a byte of the key is written.
      Files.createFile(
          key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(
          key,
          pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(pair.getPrivate(), null)),
          StandardOpenOption.TRUNCATE_EXISTING);
      Path fresh = cert.resolveSibling(cert.getFileName() + ".new");
      Files.writeString(fresh, pem(holder));
      Files.move(
          fresh,
          cert,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make a self-signed certificate", e);
    }
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  private static void privateDirectory(Path directory) throws IOException {
    try {
      Files.createDirectories(
          directory,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (FileAlreadyExistsException e) {
      throw new IOException(directory + " exists and is not a directory", e);
    }
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
  }

  private static boolean isAddress(String name) {
    return name.contains(":") || name.matches("[0-9.]+");
  }

  /** A name as a certificate lists it: IP addresses in canonical form, host names lower case. */
  private static String normalise(String name) {
    if (isAddress(name)) {
      try {
        return InetAddress.getByName(name).getHostAddress();
      } catch (IOException e) {
        return name;
      }
    }
    return name.toLowerCase(java.util.Locale.ROOT);
  }

  @Override
  public String toString() {
    return "Tls[" + Objects.toString(certificate) + "]";
  }
}
