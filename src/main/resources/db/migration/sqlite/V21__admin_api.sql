-- The admin API: API keys carry scopes (gatehouse:admin lets a key administer Gatehouse), and every
-- audit event names who did it (user:NAME, apikey:ID, client:ID, cli; empty when the account
-- concerned did it itself).
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN actor TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_events_kind_idx ON audit_events (kind, at);
