-- An email address counts as verified once its owner followed a link sent to it.
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;

-- What a link carries besides its user: the new address of an email change.
ALTER TABLE magic_links ADD COLUMN payload TEXT NOT NULL DEFAULT '';

-- Self sign-up: a link to the address comes before the account exists (hashes only).
CREATE TABLE registrations (
  token_hash  TEXT   NOT NULL,
  email       TEXT   NOT NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  consumed_at BIGINT,
  CONSTRAINT registrations_pkey PRIMARY KEY (token_hash)
);
CREATE INDEX registrations_email_idx ON registrations (email);
