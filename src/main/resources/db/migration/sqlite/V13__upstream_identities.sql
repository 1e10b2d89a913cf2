-- Sign-in through upstream identity providers. An upstream identity is the pair (issuer, subject),
-- never an email address; it belongs to exactly one local user.
CREATE TABLE upstream_identities (
  issuer          TEXT   NOT NULL,
  subject         TEXT   NOT NULL,
  provider_id     TEXT   NOT NULL,
  user_id         TEXT   NOT NULL,
  created_at      BIGINT NOT NULL,
  last_sign_in_at BIGINT NOT NULL,
  CONSTRAINT upstream_identities_pkey PRIMARY KEY (issuer, subject),
  CONSTRAINT upstream_identities_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX upstream_identities_user ON upstream_identities (user_id);

-- Flows under way: the SHA-256 of the state, the provider it was started for, the SHA-256 of the
-- browser's flow cookie, where to go afterwards, and the signed-in user who is linking the identity
-- from the account page ('' for a sign-in). Single use (deleted when redeemed).
CREATE TABLE upstream_flows (
  state_hash   TEXT   NOT NULL,
  provider_id  TEXT   NOT NULL,
  binding_hash TEXT   NOT NULL,
  return_to    TEXT   NOT NULL,
  link_user    TEXT   NOT NULL,
  expires_at   BIGINT NOT NULL,
  CONSTRAINT upstream_flows_pkey PRIMARY KEY (state_hash)
);
