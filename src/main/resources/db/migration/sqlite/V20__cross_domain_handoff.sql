-- Several cookie domains share one sign-in. A browser gets the cookie of a further domain through a
-- one-time hand-off code; the session it opens there is a child of the sign-in's own session and
-- ends with it (sign-out, revocation, absolute cap).
ALTER TABLE sessions ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
-- The further domain a child session is good for (its cookie's Domain); empty for a sign-in.
ALTER TABLE sessions ADD COLUMN domain TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_parent_idx ON sessions (parent_id);

-- Hand-off codes: only the SHA-256 of the code and of the browser's binding nonce are kept, so
-- nothing here can be redeemed. Taken (deleted) on first use, whatever the outcome.
CREATE TABLE handoff_codes (
  code_hash   TEXT   NOT NULL PRIMARY KEY,
  session_id  TEXT   NOT NULL,
  domain      TEXT   NOT NULL,
  binding     TEXT   NOT NULL,
  return_to   TEXT   NOT NULL,
  expires_at  BIGINT NOT NULL
);
CREATE INDEX handoff_codes_expires_idx ON handoff_codes (expires_at);
