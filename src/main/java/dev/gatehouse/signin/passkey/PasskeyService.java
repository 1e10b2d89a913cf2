package dev.gatehouse.signin.passkey;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.yubico.webauthn.AssertionRequest;
import com.yubico.webauthn.AssertionResult;
import com.yubico.webauthn.CredentialRepository;
import com.yubico.webauthn.FinishAssertionOptions;
import com.yubico.webauthn.FinishRegistrationOptions;
import com.yubico.webauthn.RegisteredCredential;
import com.yubico.webauthn.RegistrationResult;
import com.yubico.webauthn.RelyingParty;
import com.yubico.webauthn.StartAssertionOptions;
import com.yubico.webauthn.StartRegistrationOptions;
import com.yubico.webauthn.data.AuthenticatorSelectionCriteria;
import com.yubico.webauthn.data.ByteArray;
import com.yubico.webauthn.data.PublicKeyCredential;
import com.yubico.webauthn.data.PublicKeyCredentialCreationOptions;
import com.yubico.webauthn.data.PublicKeyCredentialDescriptor;
import com.yubico.webauthn.data.RelyingPartyIdentity;
import com.yubico.webauthn.data.ResidentKeyRequirement;
import com.yubico.webauthn.data.UserIdentity;
import com.yubico.webauthn.data.UserVerificationRequirement;
import com.yubico.webauthn.exception.AssertionFailedException;
import com.yubico.webauthn.exception.RegistrationFailedException;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.session.SessionService;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passkeys through Yubico's {@code webauthn-server-core}: discoverable credentials, user
 * verification required, relying-party id and origins exactly as configured, challenges single-use
 * (the ceremony row is taken once) and valid for five minutes. A signature counter that goes
 * backwards flags the credential and refuses it. A sign-in with a user-verified passkey records
 * {@code hwk}, {@code user} and {@code mfa}: possession plus verification, which satisfies the
 * {@code two-factor} policy. Thread-safe.
 */
public final class PasskeyService {
  private static final Logger LOG = LoggerFactory.getLogger(PasskeyService.class);
  private static final Duration CEREMONY_LIFETIME = Duration.ofMinutes(5);
  private static final String REGISTER = "register";
  private static final String ASSERT = "assert";

  /** A ceremony to hand the browser: its id and the options JSON for navigator.credentials. */
  public record Started(String ceremony, String optionsJson) {}

  /** Outcome of a passkey sign-in. */
  public sealed interface SignIn permits SignedIn, Refused {}

  /** Signed in. */
  public record SignedIn(User user, SessionService.Issued issued) implements SignIn {}

  /** Refused; the reason is for the log only. */
  public record Refused(String reason) implements SignIn {}

  private final PasskeyRepository passkeys;
  private final Directory directory;
  private final SessionService sessions;
  private final Clock clock;
  private final SecureRandom random;
  private final RelyingParty relyingParty;

  /** A service for relying party {@code rpId} accepting exactly {@code origins}. */
  public PasskeyService(
      PasskeyRepository passkeys,
      Directory directory,
      SessionService sessions,
      Clock clock,
      SecureRandom random,
      String rpId,
      String rpName,
      Set<String> origins) {
    this.passkeys = passkeys;
    this.directory = directory;
    this.sessions = sessions;
    this.clock = clock;
    this.random = random;
    this.relyingParty =
        RelyingParty.builder()
            .identity(RelyingPartyIdentity.builder().id(rpId).name(rpName).build())
            .credentialRepository(new Credentials())
            .origins(origins)
            .validateSignatureCounter(
                false) // Checked below, so that a regression can flag the key.
            .build();
  }

  /** Starts registering a new passkey for a signed-in user. */
  public Started startRegistration(User user) {
    PublicKeyCredentialCreationOptions options =
        relyingParty.startRegistration(
            StartRegistrationOptions.builder()
                .user(
                    UserIdentity.builder()
                        .name(user.username())
                        .displayName(
                            user.displayName().isEmpty() ? user.username() : user.displayName())
                        .id(handle(user.id()))
                        .build())
                .authenticatorSelection(
                    AuthenticatorSelectionCriteria.builder()
                        .residentKey(ResidentKeyRequirement.REQUIRED)
                        .userVerification(UserVerificationRequirement.REQUIRED)
                        .build())
                .timeout(CEREMONY_LIFETIME.toMillis())
                .build());
    try {
      String id = ceremonyId();
      passkeys.saveCeremony(
          id,
          REGISTER,
          options.toJson(),
          Optional.of(user.id()),
          clock.instant().plus(CEREMONY_LIFETIME));
      return new Started(id, options.toCredentialsCreateJson());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise WebAuthn options", e);
    }
  }

  /** Finishes a registration; empty when the response does not verify. */
  public Optional<PasskeyRepository.Passkey> finishRegistration(
      User user, String ceremony, String responseJson, String name) {
    Optional<PasskeyRepository.Ceremony> pending =
        passkeys.takeCeremony(ceremony, REGISTER, clock.instant());
    if (pending.isEmpty() || !pending.get().user().equals(Optional.of(user.id()))) {
      return Optional.empty();
    }
    try {
      RegistrationResult result =
          relyingParty.finishRegistration(
              FinishRegistrationOptions.builder()
                  .request(PublicKeyCredentialCreationOptions.fromJson(pending.get().requestJson()))
                  .response(PublicKeyCredential.parseRegistrationResponseJson(responseJson))
                  .build());
      if (!result.isUserVerified()) {
        return Optional.empty();
      }
      String label =
          name.isBlank() ? "Passkey" : dev.gatehouse.kernel.Printable.of(name.strip(), 64);
      PasskeyRepository.Passkey passkey =
          new PasskeyRepository.Passkey(
              result.getKeyId().getId().getBase64Url(),
              user.id(),
              result.getPublicKeyCose().getBase64Url(),
              result.getSignatureCount(),
              label,
              clock.instant(),
              Optional.empty(),
              false);
      passkeys.insert(passkey);
      return Optional.of(passkey);
    } catch (RegistrationFailedException | IOException | RuntimeException e) {
      LOG.info(
          "passkey registration refused for {}: {}", user.username(), e.getClass().getSimpleName());
      return Optional.empty();
    }
  }

  /** Starts a passkey sign-in with no username (discoverable credentials). */
  public Started startSignIn() {
    AssertionRequest request =
        relyingParty.startAssertion(
            StartAssertionOptions.builder()
                .userVerification(UserVerificationRequirement.REQUIRED)
                .timeout(CEREMONY_LIFETIME.toMillis())
                .build());
    try {
      String id = ceremonyId();
      passkeys.saveCeremony(
          id, ASSERT, request.toJson(), Optional.empty(), clock.instant().plus(CEREMONY_LIFETIME));
      return new Started(id, request.toCredentialsGetJson());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise WebAuthn options", e);
    }
  }

  /** Finishes a passkey sign-in. */
  public SignIn finishSignIn(
      String ceremony, String responseJson, String userAgent, String clientAddress) {
    Optional<PasskeyRepository.Ceremony> pending =
        passkeys.takeCeremony(ceremony, ASSERT, clock.instant());
    if (pending.isEmpty()) {
      return new Refused("unknown, used or expired challenge");
    }
    AssertionResult result;
    try {
      result =
          relyingParty.finishAssertion(
              FinishAssertionOptions.builder()
                  .request(AssertionRequest.fromJson(pending.get().requestJson()))
                  .response(PublicKeyCredential.parseAssertionResponseJson(responseJson))
                  .build());
    } catch (AssertionFailedException | IOException | RuntimeException e) {
      return new Refused("assertion did not verify: " + e.getClass().getSimpleName());
    }
    if (!result.isSuccess() || !result.isUserVerified()) {
      return new Refused("assertion without user verification");
    }
    String credentialId = result.getCredential().getCredentialId().getBase64Url();
    Optional<PasskeyRepository.Passkey> passkey = passkeys.find(credentialId);
    if (passkey.isEmpty() || passkey.get().flagged()) {
      return new Refused("unknown or flagged credential");
    }
    if (!result.isSignatureCounterValid()) {
      passkeys.flag(credentialId);
      LOG.warn(
          "security event: signature counter went backwards for a passkey of user {}; the passkey is now refused (cloned authenticator?)",
          result.getUsername());
      return new Refused("signature counter regression");
    }
    Optional<User> user = directory.findById(passkey.get().user()).filter(u -> !u.disabled());
    if (user.isEmpty()) {
      return new Refused("user disabled or gone");
    }
    passkeys.recordUse(credentialId, result.getSignatureCount(), clock.instant());
    SessionService.Issued issued =
        sessions.issue(user.get().id(), Set.of("hwk", "user", "mfa"), userAgent, clientAddress);
    return new SignedIn(user.get(), issued);
  }

  /** The user's passkeys. */
  public List<PasskeyRepository.Passkey> list(UserId user) {
    return passkeys.listForUser(user);
  }

  /** Removes one of the user's passkeys. */
  public boolean remove(UserId user, String credentialId) {
    return passkeys.delete(credentialId, user);
  }

  private String ceremonyId() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static ByteArray handle(UserId user) {
    return new ByteArray(HexFormat.of().parseHex(user.value()));
  }

  /** Yubico's view of our store. */
  private final class Credentials implements CredentialRepository {
    @Override
    public Set<PublicKeyCredentialDescriptor> getCredentialIdsForUsername(String username) {
      return directory.findByUsername(username).stream()
          .flatMap(u -> passkeys.listForUser(u.id()).stream())
          .map(p -> PublicKeyCredentialDescriptor.builder().id(bytes(p.credentialId())).build())
          .collect(Collectors.toSet());
    }

    @Override
    public Optional<ByteArray> getUserHandleForUsername(String username) {
      return directory.findByUsername(username).map(u -> handle(u.id()));
    }

    @Override
    public Optional<String> getUsernameForUserHandle(ByteArray userHandle) {
      return userId(userHandle).flatMap(directory::findById).map(User::username);
    }

    @Override
    public Optional<RegisteredCredential> lookup(ByteArray credentialId, ByteArray userHandle) {
      return passkeys
          .find(credentialId.getBase64Url())
          .filter(p -> handle(p.user()).equals(userHandle))
          .map(PasskeyService::registered);
    }

    @Override
    public Set<RegisteredCredential> lookupAll(ByteArray credentialId) {
      return passkeys.find(credentialId.getBase64Url()).map(PasskeyService::registered).stream()
          .collect(Collectors.toSet());
    }
  }

  private static RegisteredCredential registered(PasskeyRepository.Passkey passkey) {
    return RegisteredCredential.builder()
        .credentialId(bytes(passkey.credentialId()))
        .userHandle(handle(passkey.user()))
        .publicKeyCose(bytes(passkey.publicKeyCose()))
        .signatureCount(passkey.signCount())
        .build();
  }

  private static ByteArray bytes(String base64Url) {
    try {
      return ByteArray.fromBase64Url(base64Url);
    } catch (com.yubico.webauthn.data.exception.Base64UrlException e) {
      throw new IllegalStateException("stored credential id is not base64url", e);
    }
  }

  private static Optional<UserId> userId(ByteArray handle) {
    if (handle.size() != 16) {
      return Optional.empty();
    }
    return Optional.of(new UserId(HexFormat.of().formatHex(handle.getBytes())));
  }
}
