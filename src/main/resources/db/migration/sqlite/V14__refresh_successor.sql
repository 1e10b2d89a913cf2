-- A client with a refresh reuse grace: the successor of a rotated refresh token, sealed with the
-- at-rest key, so that a second use within the grace gets the same successor (one chain per token,
-- never a second one). Cleared when the grace is over.
ALTER TABLE oauth_refresh_tokens ADD COLUMN successor_sealed TEXT;
