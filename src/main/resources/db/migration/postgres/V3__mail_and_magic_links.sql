-- Outbox: every message is a row written in the same transaction as the change it announces.
CREATE TABLE mail_outbox (
  id              TEXT    NOT NULL,
  recipient       TEXT    NOT NULL,
  subject         TEXT    NOT NULL,
  text_body       TEXT    NOT NULL,
  html_body       TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  attempts        INTEGER NOT NULL,
  created_at      BIGINT  NOT NULL,
  next_attempt_at BIGINT  NOT NULL,
  expires_at      BIGINT,
  sent_at         BIGINT,
  last_error      TEXT,
  CONSTRAINT mail_outbox_pkey PRIMARY KEY (id),
  CONSTRAINT mail_outbox_status_check CHECK (status IN ('pending', 'sent', 'dead', 'expired'))
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (status, next_attempt_at);

-- Magic sign-in links (hashes only), bound to the browser that asked.
CREATE TABLE magic_links (
  token_hash   TEXT   NOT NULL,
  user_id      TEXT   NOT NULL,
  browser_hash TEXT   NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  consumed_at  BIGINT,
  CONSTRAINT magic_links_pkey PRIMARY KEY (token_hash),
  CONSTRAINT magic_links_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX magic_links_user_idx ON magic_links (user_id);
