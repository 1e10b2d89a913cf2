-- Back-channel logout notices still to be delivered: a restart (or a crash) no longer loses them.
-- Only who and which session: the logout token is signed afresh at each try, so nothing stored
-- here is a usable token. A delivered notice is deleted; one that fails for a day is given up.
CREATE TABLE logout_deliveries (
  id              TEXT    NOT NULL PRIMARY KEY,
  client_id       TEXT    NOT NULL,
  user_id         TEXT    NOT NULL,
  session_id      TEXT    NOT NULL,
  created_at      BIGINT  NOT NULL,
  next_attempt_at BIGINT  NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX logout_deliveries_due ON logout_deliveries (next_attempt_at);
