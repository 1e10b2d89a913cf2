-- Core schema. Same file name, tables, columns and constraint names as db/migration/sqlite.
-- Times are epoch milliseconds (BIGINT) in both dialects.
CREATE TABLE users (
  id              TEXT    NOT NULL,
  username        TEXT    NOT NULL,
  email           TEXT,
  display_name    TEXT    NOT NULL,
  disabled        BOOLEAN NOT NULL DEFAULT FALSE,
  admin           BOOLEAN NOT NULL DEFAULT FALSE,
  created_at      BIGINT  NOT NULL,
  last_sign_in_at BIGINT,
  CONSTRAINT users_pkey PRIMARY KEY (id),
  CONSTRAINT users_username_key UNIQUE (username),
  CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE password_credentials (
  user_id    TEXT   NOT NULL,
  hash       TEXT   NOT NULL,
  updated_at BIGINT NOT NULL,
  CONSTRAINT password_credentials_pkey PRIMARY KEY (user_id),
  CONSTRAINT password_credentials_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE user_groups (
  name       TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  CONSTRAINT user_groups_pkey PRIMARY KEY (name)
);

CREATE TABLE group_members (
  group_name TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  CONSTRAINT group_members_pkey PRIMARY KEY (group_name, user_id),
  CONSTRAINT group_members_group_fkey FOREIGN KEY (group_name) REFERENCES user_groups (name) ON DELETE CASCADE,
  CONSTRAINT group_members_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX group_members_user_idx ON group_members (user_id);

CREATE TABLE roles (
  name       TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  CONSTRAINT roles_pkey PRIMARY KEY (name)
);

CREATE TABLE role_groups (
  role_name  TEXT NOT NULL,
  group_name TEXT NOT NULL,
  CONSTRAINT role_groups_pkey PRIMARY KEY (role_name, group_name),
  CONSTRAINT role_groups_role_fkey FOREIGN KEY (role_name) REFERENCES roles (name) ON DELETE CASCADE,
  CONSTRAINT role_groups_group_fkey FOREIGN KEY (group_name) REFERENCES user_groups (name) ON DELETE CASCADE
);

CREATE TABLE role_claims (
  role_name TEXT NOT NULL,
  claim     TEXT NOT NULL,
  value     TEXT NOT NULL,
  CONSTRAINT role_claims_pkey PRIMARY KEY (role_name, claim),
  CONSTRAINT role_claims_role_fkey FOREIGN KEY (role_name) REFERENCES roles (name) ON DELETE CASCADE
);

CREATE TABLE sessions (
  id             TEXT   NOT NULL,
  token_hash     TEXT   NOT NULL,
  user_id        TEXT   NOT NULL,
  created_at     BIGINT NOT NULL,
  last_seen_at   BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  amr            TEXT   NOT NULL,
  user_agent     TEXT   NOT NULL,
  client_address TEXT   NOT NULL,
  revoked_at     BIGINT,
  CONSTRAINT sessions_pkey PRIMARY KEY (id),
  CONSTRAINT sessions_token_hash_key UNIQUE (token_hash),
  CONSTRAINT sessions_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE setup_tokens (
  token_hash TEXT   NOT NULL,
  expires_at BIGINT NOT NULL,
  CONSTRAINT setup_tokens_pkey PRIMARY KEY (token_hash)
);

CREATE TABLE throttle_counters (
  key             TEXT    NOT NULL,
  failures        INTEGER NOT NULL,
  last_attempt_at BIGINT  NOT NULL,
  blocked_until   BIGINT  NOT NULL,
  CONSTRAINT throttle_counters_pkey PRIMARY KEY (key)
);

CREATE TABLE server_secrets (
  name       TEXT   NOT NULL,
  value      TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  CONSTRAINT server_secrets_pkey PRIMARY KEY (name)
);
