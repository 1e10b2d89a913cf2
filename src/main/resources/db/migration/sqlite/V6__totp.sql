-- TOTP (RFC 6238) second factor: the seed encrypted at rest, the last accepted time step (no replay),
-- single-use recovery codes (hashes), and the short-lived "password done, code pending" challenges.
CREATE TABLE totp_enrollments (
  user_id    TEXT    NOT NULL,
  secret     TEXT    NOT NULL,
  confirmed  BOOLEAN NOT NULL,
  last_step  BIGINT  NOT NULL,
  created_at BIGINT  NOT NULL,
  CONSTRAINT totp_enrollments_pkey PRIMARY KEY (user_id),
  CONSTRAINT totp_enrollments_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE recovery_codes (
  user_id   TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  CONSTRAINT recovery_codes_pkey PRIMARY KEY (user_id, code_hash),
  CONSTRAINT recovery_codes_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE mfa_challenges (
  token_hash TEXT   NOT NULL,
  user_id    TEXT   NOT NULL,
  expires_at BIGINT NOT NULL,
  CONSTRAINT mfa_challenges_pkey PRIMARY KEY (token_hash),
  CONSTRAINT mfa_challenges_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
