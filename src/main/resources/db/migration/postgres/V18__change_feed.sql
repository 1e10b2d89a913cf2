-- Nodes sharing this database learn at once what another node changed: every statement that
-- revokes or changes what the caches hold announces the table on the channel gatehouse_changes
-- (`store.ChangeFeed` listens). NOTIFY is sent on commit, once per payload per transaction; the
-- caches' one-second lifetime stays the safety net when a notification is missed.
CREATE FUNCTION gatehouse_notify_change() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('gatehouse_changes', TG_ARGV[0]);
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER sessions_changed AFTER UPDATE OF revoked_at OR DELETE ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_change('sessions');
CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_change('api_keys');
CREATE TRIGGER access_tokens_changed AFTER UPDATE OR DELETE ON oauth_access_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_change('access_tokens');
CREATE TRIGGER clients_changed AFTER INSERT OR UPDATE OR DELETE ON oidc_clients
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_change('clients');
CREATE TRIGGER signing_keys_changed AFTER INSERT OR UPDATE OR DELETE ON signing_keys
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_change('signing_keys');
CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_change('directory');
CREATE TRIGGER group_members_changed AFTER INSERT OR UPDATE OR DELETE ON group_members
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_change('directory');
CREATE TRIGGER role_groups_changed AFTER INSERT OR UPDATE OR DELETE ON role_groups
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_change('directory');
CREATE TRIGGER role_claims_changed AFTER INSERT OR UPDATE OR DELETE ON role_claims
  FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_notify_change('directory');
