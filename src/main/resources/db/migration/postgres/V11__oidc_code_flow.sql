-- Authorization codes (hashes only): single use, short-lived; a second use revokes the grant.
CREATE TABLE oauth_codes (
  code_hash      TEXT   NOT NULL,
  grant_id       TEXT   NOT NULL,
  client_id      TEXT   NOT NULL,
  redirect_uri   TEXT   NOT NULL,
  nonce          TEXT   NOT NULL DEFAULT '',
  code_challenge TEXT   NOT NULL DEFAULT '',
  created_at     BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  used_at        BIGINT,
  CONSTRAINT oauth_codes_pkey PRIMARY KEY (code_hash),
  CONSTRAINT oauth_codes_grant_fkey FOREIGN KEY (grant_id) REFERENCES oauth_grants (id) ON DELETE CASCADE
);
CREATE INDEX oauth_codes_expiry_idx ON oauth_codes (expires_at);

-- Refresh tokens (hashes only), rotated on every use; a used one coming back revokes its grant.
CREATE TABLE oauth_refresh_tokens (
  token_hash TEXT   NOT NULL,
  grant_id   TEXT   NOT NULL,
  client_id  TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  used_at    BIGINT,
  CONSTRAINT oauth_refresh_tokens_pkey PRIMARY KEY (token_hash),
  CONSTRAINT oauth_refresh_tokens_grant_fkey FOREIGN KEY (grant_id) REFERENCES oauth_grants (id) ON DELETE CASCADE
);
CREATE INDEX oauth_refresh_tokens_grant_idx ON oauth_refresh_tokens (grant_id);

-- What a user agreed a client may have; asked again when a client wants more.
CREATE TABLE oauth_consents (
  user_id    TEXT   NOT NULL,
  client_id  TEXT   NOT NULL,
  scopes     TEXT   NOT NULL,
  granted_at BIGINT NOT NULL,
  CONSTRAINT oauth_consents_pkey PRIMARY KEY (user_id, client_id),
  CONSTRAINT oauth_consents_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
