-- The upstream identity provider a session was opened through ('' for Gatehouse's own methods).
ALTER TABLE sessions ADD COLUMN idp TEXT NOT NULL DEFAULT '';
