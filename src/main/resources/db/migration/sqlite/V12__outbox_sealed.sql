-- Queued mail bodies carry sign-in, reset and invitation links: they are sealed with the at-rest
-- key from now on (sealed = 1), and bodies of messages that no longer need them are dropped. The
-- application seals any pending or dead row still in plain text when it opens the store.
ALTER TABLE mail_outbox ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
UPDATE mail_outbox SET text_body = '', html_body = '' WHERE status IN ('sent', 'expired');
