package dev.gatehouse.keys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets that must be stored readable (TOTP seeds) with AES-256-GCM under a key kept in a
 * file beside, not inside, the database ({@code <data-dir>/at-rest.key}, created 0600), so that a
 * copy of the database alone reveals none of them (SECURITY.md §8). Nodes sharing a PostgreSQL
 * database must share this file. Each value carries its own random nonce and the purpose as
 * associated data. Immutable and thread-safe.
 */
public final class AtRestCipher {
  private static final int NONCE_BYTES = 12;

  private final SecretKeySpec key;
  private final SecureRandom random;

  private AtRestCipher(byte[] key, SecureRandom random) {
    this.key = new SecretKeySpec(key, "AES");
    this.random = random;
  }

  /** Loads the key file, creating it (0600) with 256 random bits on first use. */
  public static AtRestCipher fromKeyFile(Path file, SecureRandom random) {
    try {
      if (!Files.exists(file)) {
        byte[] fresh = new byte[32];
        random.nextBytes(fresh);
        try {
          Files.createFile(
              file,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(
              file, Base64.getEncoder().encodeToString(fresh) + "\n", StandardCharsets.US_ASCII);
        } catch (FileAlreadyExistsException raced) {
          // Another process created it first: use theirs.
        }
      }
      byte[] key =
          Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
      if (key.length != 32) {
        throw new IllegalStateException(file + " must hold a base64 256-bit key");
      }
      return new AtRestCipher(key, random);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the at-rest key " + file, e);
    }
  }

  /**
   * What is wrong with a shared key file ({@code keys.at-rest-key-file}), if anything: it must
   * exist (a node never invents a shared key — another node would not know it), hold a base64
   * 256-bit key and not be readable by other users.
   */
  public static Optional<String> sharedKeyProblem(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.of(
          "keys.at-rest-key-file "
              + file
              + " does not exist: make it once with `gatehouse keys at-rest-new "
              + file
              + "` (or copy <data-dir>/at-rest.key of the node that has the data) and give every"
              + " node the same file");
    }
    try {
      if (Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ)) {
        return Optional.of(
            "keys.at-rest-key-file " + file + " is readable by every user: chmod 600 (or 400) it");
      }
      byte[] key =
          Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip());
      return key.length == 32
          ? Optional.empty()
          : Optional.of("keys.at-rest-key-file " + file + " must hold a base64 256-bit key");
    } catch (IllegalArgumentException e) {
      return Optional.of("keys.at-rest-key-file " + file + " must hold a base64 256-bit key");
    } catch (UnsupportedOperationException e) {
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("keys.at-rest-key-file " + file + " cannot be read: " + e.getMessage());
    }
  }

  /** Writes a new random key to {@code file}, created 0600; never over an existing file. */
  public static void writeNewKey(Path file, SecureRandom random) throws IOException {
    byte[] fresh = new byte[32];
    random.nextBytes(fresh);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(
        file, Base64.getEncoder().encodeToString(fresh) + "\n", StandardCharsets.US_ASCII);
  }

  /** Encrypts {@code plain} for {@code purpose}; base64 of nonce ‖ ciphertext ‖ tag. */
  public String encrypt(byte[] plain, String purpose) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plain);
      return Base64.getEncoder()
          .encodeToString(
              ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is required by every Java platform", e);
    }
  }

  /**
   * Decrypts; empty when the value was not made by this key for this purpose (tampered, wrong key).
   */
  public Optional<byte[]> decrypt(String sealed, String purpose) {
    try {
      byte[] bytes = Base64.getDecoder().decode(sealed);
      if (bytes.length <= NONCE_BYTES + 16) {
        return Optional.empty();
      }
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, bytes, 0, NONCE_BYTES));
      cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
      return Optional.of(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
