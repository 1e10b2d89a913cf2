-- API keys: personal (owned by a user) or application (owned by a named service).
-- Only the SHA-256 of the whole key is stored; the id is the non-secret part of the key.
CREATE TABLE api_keys (
  id           TEXT   NOT NULL,
  secret_hash  TEXT   NOT NULL,
  kind         TEXT   NOT NULL,
  user_id      TEXT,
  application  TEXT,
  label        TEXT   NOT NULL,
  hosts        TEXT   NOT NULL,
  groups_list  TEXT   NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT,
  last_used_at BIGINT,
  revoked_at   BIGINT,
  CONSTRAINT api_keys_pkey PRIMARY KEY (id),
  CONSTRAINT api_keys_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT api_keys_kind_check CHECK (kind IN ('personal', 'application')),
  CONSTRAINT api_keys_owner_check CHECK ((kind = 'personal' AND user_id IS NOT NULL AND application IS NULL)
                                      OR (kind = 'application' AND user_id IS NULL AND application IS NOT NULL))
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);
