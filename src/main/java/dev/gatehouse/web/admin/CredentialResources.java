package dev.gatehouse.web.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.admin.Accounts;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.signin.passkey.PasskeyRepository;
import dev.gatehouse.signin.passkey.PasskeyService;
import dev.gatehouse.signin.totp.TotpService;
import dev.gatehouse.signin.upstream.UpstreamRepository;
import dev.gatehouse.signin.upstream.UpstreamSignIn;
import java.util.Optional;

/**
 * A user's ways of signing in, in the admin API: whether a password is set, passkeys, the
 * authenticator app, identities at upstream providers; an administrator may remove the last three
 * (a lost phone, a stolen key). Never a secret: no public keys, no TOTP seed. Thread-safe.
 */
final class CredentialResources {
  private final Directory directory;
  private final Accounts accounts;
  private final PasskeyService passkeys;
  private final TotpService totp;
  private final UpstreamSignIn upstream;
  private final AuditLog audit;

  CredentialResources(
      Directory directory,
      Accounts accounts,
      PasskeyService passkeys,
      TotpService totp,
      UpstreamSignIn upstream,
      AuditLog audit) {
    this.directory = directory;
    this.accounts = accounts;
    this.passkeys = passkeys;
    this.totp = totp;
    this.upstream = upstream;
    this.audit = audit;
  }

  void register(AdminApi api) {
    api.add("GET", "/users/{id}/credentials", this::list)
        .add("DELETE", "/users/{id}/passkeys/{credential}", this::removePasskey)
        .add("DELETE", "/users/{id}/totp", this::removeTotp)
        .add("DELETE", "/users/{id}/identities/{provider}", this::unlink);
  }

  private void list(AdminApi.Call call) {
    User user = find(call.param("id"));
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("password", accounts.hasPassword(user.id()));
    var keys = node.putArray("passkeys");
    for (PasskeyRepository.Passkey passkey : passkeys.list(user.id())) {
      ObjectNode item = keys.addObject();
      item.put("id", passkey.credentialId());
      item.put("name", passkey.name());
      item.put("created_at", passkey.createdAt().toString());
      DirectoryResources.instant(item, "last_used_at", passkey.lastUsedAt());
      item.put("refused", passkey.flagged());
    }
    ObjectNode app = node.putObject("totp");
    app.put("enabled", totp.isEnabled(user.id()));
    app.put(
        "recovery_codes_left", totp.isEnabled(user.id()) ? totp.recoveryCodesLeft(user.id()) : 0);
    var identities = node.putArray("identities");
    for (UpstreamRepository.Link link : upstream.linksOf(user.id())) {
      ObjectNode item = identities.addObject();
      item.put("provider", link.providerId());
      item.put("issuer", link.issuer());
      item.put("subject", link.subject());
      item.put("linked_at", link.createdAt().toString());
      item.put("last_sign_in_at", link.lastSignInAt().toString());
    }
    call.reply(200, node);
  }

  private void removePasskey(AdminApi.Call call) {
    User user = find(call.param("id"));
    if (!passkeys.remove(user.id(), call.param("credential"))) {
      throw new AdminApi.Problem(404, "not_found", "This user has no such passkey.");
    }
    changed(call, user, "passkey.removed", "passkey " + abbreviated(call.param("credential")));
    call.noContent();
  }

  private void removeTotp(AdminApi.Call call) {
    User user = find(call.param("id"));
    if (!totp.isEnabled(user.id())) {
      throw new AdminApi.Problem(404, "not_found", "This user has no authenticator app.");
    }
    totp.disable(user.id());
    changed(call, user, "totp.removed", "authenticator app");
    call.noContent();
  }

  private void unlink(AdminApi.Call call) {
    User user = find(call.param("id"));
    var provider =
        upstream
            .provider(call.param("provider"))
            .orElseThrow(() -> new AdminApi.Problem(404, "not_found", "No such provider."));
    if (!upstream.unlink(user.id(), provider, call.clientAddress())) {
      throw new AdminApi.Problem(404, "not_found", "This user has no identity there.");
    }
    changed(call, user, "upstream.unlinked-by-admin", provider.id());
    call.noContent();
  }

  private void changed(AdminApi.Call call, User user, String kind, String detail) {
    audit.recordBy(
        call.caller().actor(),
        kind,
        Optional.of(user.id()),
        user.username(),
        call.clientAddress(),
        detail);
  }

  private static String abbreviated(String id) {
    return id.length() <= 16 ? id : id.substring(0, 16) + "…";
  }

  private User find(String id) {
    return DirectoryResources.findUser(directory, id);
  }
}
