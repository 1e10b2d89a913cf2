-- Security events. No foreign key to users: the trail must outlive a deleted account.
CREATE TABLE audit_events (
  id             TEXT   NOT NULL,
  at             BIGINT NOT NULL,
  kind           TEXT   NOT NULL,
  user_id        TEXT,
  username       TEXT   NOT NULL,
  client_address TEXT   NOT NULL,
  detail         TEXT   NOT NULL,
  CONSTRAINT audit_events_pkey PRIMARY KEY (id)
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_user_idx ON audit_events (user_id, at);
