-- Upstream providers added at run time with `gatehouse idp add` (those of gatehouse.yml are not
-- stored). The definition is the provider's mapping as in gatehouse.yml, as JSON, without its
-- secret; the client secret is sealed with the at-rest key (purpose 'upstream-secret:<id>').
CREATE TABLE upstream_providers (
  id            TEXT   NOT NULL,
  definition    TEXT   NOT NULL,
  secret_sealed TEXT   NOT NULL,
  created_at    BIGINT NOT NULL,
  CONSTRAINT upstream_providers_pkey PRIMARY KEY (id)
);

-- What the provider said of a session's sign-in (RFC 8176 amr values, space-separated, and acr),
-- kept beside Gatehouse's own amr: never mixed into it, so a provider's "pwd" is not a password
-- Gatehouse checked.
ALTER TABLE sessions ADD COLUMN idp_amr TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN idp_acr TEXT NOT NULL DEFAULT '';
-- Sessions opened through a provider, found at start (a removed provider's end) without reading
-- every session.
CREATE INDEX sessions_through_provider ON sessions (idp) WHERE idp <> '';
