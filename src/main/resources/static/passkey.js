// Gatehouse passkeys: the only script on the portal. Everything else works without JavaScript.
(function () {
  "use strict";
  var b64u = function (buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  var csrf = function () {
    var field = document.querySelector('input[name="csrf"]');
    return field ? field.value : "";
  };
  var post = function (url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) throw new Error(json.error || "The request failed.");
        return json;
      });
    });
  };
  var showError = function (message) {
    var box = document.getElementById("passkey-error");
    if (box) { box.textContent = message; box.hidden = false; }
  };
  var supported = window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON;

  function attestation(credential) {
    return {
      type: credential.type, id: credential.id, rawId: b64u(credential.rawId),
      response: {
        clientDataJSON: b64u(credential.response.clientDataJSON),
        attestationObject: b64u(credential.response.attestationObject),
        transports: credential.response.getTransports ? credential.response.getTransports() : []
      },
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  function assertion(credential) {
    return {
      type: credential.type, id: credential.id, rawId: b64u(credential.rawId),
      response: {
        clientDataJSON: b64u(credential.response.clientDataJSON),
        authenticatorData: b64u(credential.response.authenticatorData),
        signature: b64u(credential.response.signature),
        userHandle: credential.response.userHandle ? b64u(credential.response.userHandle) : null
      },
      clientExtensionResults: credential.getClientExtensionResults()
    };
  }

  var pending = null;
  function signIn(mediation) {
    if (pending) pending.abort();
    var controller = new AbortController();
    pending = controller;
    return post("/passkeys/signin/start").then(function (started) {
      var options = PublicKeyCredential.parseRequestOptionsFromJSON(started.options.publicKey);
      return navigator.credentials.get({ publicKey: options, mediation: mediation, signal: controller.signal })
        .then(function (credential) {
          var rd = document.querySelector('input[name="rd"]');
          return post("/passkeys/signin/finish", {
            ceremony: started.ceremony, credential: assertion(credential), rd: rd ? rd.value : ""
          });
        });
    }).then(function (done) {
      window.location.assign(done.redirect);
    });
  }

  function register() {
    var name = document.getElementById("passkey-name");
    return post("/passkeys/register/start").then(function (started) {
      var options = PublicKeyCredential.parseCreationOptionsFromJSON(started.options.publicKey);
      return navigator.credentials.create({ publicKey: options }).then(function (credential) {
        return post("/passkeys/register/finish", {
          ceremony: started.ceremony, name: name ? name.value : "", credential: attestation(credential)
        });
      });
    }).then(function () {
      window.location.reload();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var signInButton = document.getElementById("passkey-signin");
    var addButton = document.getElementById("add-passkey");
    if (!supported) {
      if (signInButton) signInButton.hidden = true;
      if (addButton) { addButton.disabled = true; showError("This browser cannot use passkeys."); }
      return;
    }
    if (signInButton) {
      signInButton.addEventListener("click", function () {
        signIn("optional").catch(function (e) { if (e.name !== "AbortError") showError(e.message); });
      });
      // Offer passkeys in the username autofill, except right after an explicit sign-out.
      var justSignedOut = /[?&]signed_out=/.test(window.location.search);
      if (!justSignedOut && PublicKeyCredential.isConditionalMediationAvailable) {
        PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
          if (available) signIn("conditional").catch(function () { /* autofill dismissed or replaced */ });
        });
      }
    }
    if (addButton) {
      addButton.addEventListener("click", function () {
        register().catch(function (e) { showError(e.message); });
      });
    }
  });
})();
