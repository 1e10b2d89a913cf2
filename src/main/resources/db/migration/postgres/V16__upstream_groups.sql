-- Group memberships that came from an upstream provider's groups claim, so that a provider marked
-- drop-missing-groups can take back exactly those (never a membership an administrator gave).
CREATE TABLE upstream_groups (
  user_id     TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  group_name  TEXT NOT NULL,
  CONSTRAINT upstream_groups_pkey PRIMARY KEY (user_id, provider_id, group_name),
  CONSTRAINT upstream_groups_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
