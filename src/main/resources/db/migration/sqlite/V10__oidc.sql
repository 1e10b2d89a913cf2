-- OpenID Connect provider. Signing keys are stored encrypted with the at-rest key.
CREATE TABLE signing_keys (
  kid           TEXT   NOT NULL,
  alg           TEXT   NOT NULL,
  sealed_jwk    TEXT   NOT NULL,
  created_at    BIGINT NOT NULL,
  active_from   BIGINT NOT NULL,
  retired_at    BIGINT,
  CONSTRAINT signing_keys_pkey PRIMARY KEY (kid)
);

-- Clients made with the CLI (clients of the configuration file live only in memory).
CREATE TABLE oidc_clients (
  client_id   TEXT    NOT NULL,
  secret_hash TEXT,
  settings    TEXT    NOT NULL,
  disabled    BOOLEAN NOT NULL DEFAULT FALSE,
  created_at  BIGINT  NOT NULL,
  updated_at  BIGINT  NOT NULL,
  CONSTRAINT oidc_clients_pkey PRIMARY KEY (client_id)
);

-- A grant: what a user (or, with no user, a client) was given; refresh tokens and access tokens
-- hang off it, and revoking it revokes them all.
CREATE TABLE oauth_grants (
  id          TEXT   NOT NULL,
  client_id   TEXT   NOT NULL,
  user_id     TEXT,
  session_id  TEXT,
  scopes      TEXT   NOT NULL,
  auth_time   BIGINT,
  amr         TEXT   NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  revoked_at  BIGINT,
  CONSTRAINT oauth_grants_pkey PRIMARY KEY (id),
  CONSTRAINT oauth_grants_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX oauth_grants_user_idx ON oauth_grants (user_id);
CREATE INDEX oauth_grants_session_idx ON oauth_grants (session_id);
CREATE INDEX oauth_grants_client_idx ON oauth_grants (client_id);

-- Every access token (a JWT) has a row by its jti, so it can be revoked and introspected.
CREATE TABLE oauth_access_tokens (
  jti         TEXT   NOT NULL,
  grant_id    TEXT,
  client_id   TEXT   NOT NULL,
  user_id     TEXT,
  scopes      TEXT   NOT NULL,
  audience    TEXT   NOT NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  revoked_at  BIGINT,
  CONSTRAINT oauth_access_tokens_pkey PRIMARY KEY (jti),
  CONSTRAINT oauth_access_tokens_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX oauth_access_tokens_grant_idx ON oauth_access_tokens (grant_id);
CREATE INDEX oauth_access_tokens_client_idx ON oauth_access_tokens (client_id);
CREATE INDEX oauth_access_tokens_expiry_idx ON oauth_access_tokens (expires_at);
