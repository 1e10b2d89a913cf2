package dev.gatehouse.store;

import dev.gatehouse.identity.GroupRepository;
import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/** Groups and memberships in SQL. Thread-safe. */
public final class JdbcGroups implements GroupRepository {
  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcGroups(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public void insert(String name, Instant createdAt) {
    Sql.insertNamed(jdbi, "user_groups", "group", name, createdAt);
  }

  @Override
  public List<String> list() {
    return Sql.strings(jdbi, "SELECT name FROM user_groups ORDER BY name", Map.of());
  }

  @Override
  public boolean delete(String name) {
    return Sql.change(jdbi, "DELETE FROM user_groups WHERE name = :name", Map.of("name", name));
  }

  @Override
  public boolean rename(String from, String to) {
    return jdbi.inTransaction(
        h -> {
          if (!Sql.copyNamed(h, "user_groups", "group", from, to)) {
            return false;
          }
          for (String table : List.of("group_members", "role_groups", "upstream_groups")) {
            h.createUpdate("UPDATE " + table + " SET group_name = :to WHERE group_name = :from")
                .bind("from", from)
                .bind("to", to)
                .execute();
          }
          JdbcApiKeys.renameGroup(h, from, to);
          JdbcClients.renameGroup(h, from, to);
          h.createUpdate("DELETE FROM user_groups WHERE name = :from").bind("from", from).execute();
          return true;
        });
  }

  @Override
  public boolean givenByUpstream(String name) {
    return !Sql.strings(
            jdbi,
            "SELECT group_name FROM upstream_groups WHERE group_name = :name LIMIT 1",
            Map.of("name", name))
        .isEmpty();
  }

  @Override
  public boolean exists(String name) {
    return !Sql.strings(
            jdbi, "SELECT name FROM user_groups WHERE name = :name", Map.of("name", name))
        .isEmpty();
  }

  @Override
  public boolean addMember(String group, UserId user) {
    return Sql.change(
        jdbi,
        "INSERT INTO group_members (group_name, user_id) VALUES (:group, :user)"
            + " ON CONFLICT (group_name, user_id) DO NOTHING",
        Map.of("group", group, "user", user.value()));
  }

  @Override
  public boolean removeMember(String group, UserId user) {
    return Sql.change(
        jdbi,
        "DELETE FROM group_members WHERE group_name = :group AND user_id = :user",
        Map.of("group", group, "user", user.value()));
  }

  @Override
  public List<String> groupsOf(UserId user) {
    return Sql.strings(
        jdbi,
        "SELECT group_name FROM group_members WHERE user_id = :user ORDER BY group_name",
        Map.of("user", user.value()));
  }

  @Override
  public List<String> members(String group) {
    return Sql.strings(
        jdbi,
        "SELECT u.username FROM group_members m JOIN users u ON u.id = m.user_id"
            + " WHERE m.group_name = :group ORDER BY u.username",
        Map.of("group", group));
  }
}
