-- Browsers and networks a user has signed in from (a hash of the user agent and the network), for
-- sign-in alerts.
CREATE TABLE known_devices (
  user_id     TEXT   NOT NULL,
  fingerprint TEXT   NOT NULL,
  first_seen  BIGINT NOT NULL,
  CONSTRAINT known_devices_pkey PRIMARY KEY (user_id, fingerprint),
  CONSTRAINT known_devices_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
