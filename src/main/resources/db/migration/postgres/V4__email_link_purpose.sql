-- Emailed links are purpose-bound: a sign-in link cannot reset a password and vice versa.
ALTER TABLE magic_links ADD COLUMN purpose TEXT NOT NULL DEFAULT 'signin';
CREATE INDEX magic_links_user_purpose_idx ON magic_links (user_id, purpose);
