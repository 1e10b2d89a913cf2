-- WebAuthn credentials (public keys only) and pending ceremonies (single use, short-lived).
CREATE TABLE passkeys (
  credential_id TEXT    NOT NULL,
  user_id       TEXT    NOT NULL,
  public_key    TEXT    NOT NULL,
  sign_count    BIGINT  NOT NULL,
  name          TEXT    NOT NULL,
  created_at    BIGINT  NOT NULL,
  last_used_at  BIGINT,
  flagged       BOOLEAN NOT NULL DEFAULT FALSE,
  CONSTRAINT passkeys_pkey PRIMARY KEY (credential_id),
  CONSTRAINT passkeys_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

CREATE TABLE webauthn_ceremonies (
  id           TEXT   NOT NULL,
  kind         TEXT   NOT NULL,
  request_json TEXT   NOT NULL,
  user_id      TEXT,
  expires_at   BIGINT NOT NULL,
  CONSTRAINT webauthn_ceremonies_pkey PRIMARY KEY (id),
  CONSTRAINT webauthn_ceremonies_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
