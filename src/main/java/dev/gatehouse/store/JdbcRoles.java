package dev.gatehouse.store;

import dev.gatehouse.identity.RoleRepository;
import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/** Roles, their grants to groups and their claims in SQL. Thread-safe. */
public final class JdbcRoles implements RoleRepository {
  private final Jdbi jdbi;

  /** Repository over {@code database}. */
  public JdbcRoles(Database database) {
    this.jdbi = database.jdbi();
  }

  @Override
  public void insert(String name, Instant createdAt) {
    Sql.insertNamed(jdbi, "roles", "role", name, createdAt);
  }

  @Override
  public List<Role> list() {
    Map<String, Role> out = new LinkedHashMap<>();
    for (String name : Sql.strings(jdbi, "SELECT name FROM roles ORDER BY name", Map.of())) {
      List<String> groups =
          Sql.strings(
              jdbi,
              "SELECT group_name FROM role_groups WHERE role_name = :role ORDER BY group_name",
              Map.of("role", name));
      Map<String, String> claims = new TreeMap<>();
      jdbi.useHandle(
          h ->
              h.createQuery("SELECT claim, value FROM role_claims WHERE role_name = :role")
                  .bind("role", name)
                  .map((rs, ctx) -> Map.entry(rs.getString("claim"), rs.getString("value")))
                  .forEach(e -> claims.put(e.getKey(), e.getValue())));
      out.put(name, new Role(name, groups, Map.copyOf(claims)));
    }
    return List.copyOf(out.values());
  }

  @Override
  public boolean exists(String name) {
    return !Sql.strings(jdbi, "SELECT name FROM roles WHERE name = :name", Map.of("name", name))
        .isEmpty();
  }

  @Override
  public boolean rename(String from, String to) {
    return jdbi.inTransaction(
        h -> {
          if (!Sql.copyNamed(h, "roles", "role", from, to)) {
            return false;
          }
          for (String table : List.of("role_groups", "role_claims")) {
            h.createUpdate("UPDATE " + table + " SET role_name = :to WHERE role_name = :from")
                .bind("from", from)
                .bind("to", to)
                .execute();
          }
          h.createUpdate("DELETE FROM roles WHERE name = :from").bind("from", from).execute();
          return true;
        });
  }

  @Override
  public boolean delete(String name) {
    return Sql.change(jdbi, "DELETE FROM roles WHERE name = :name", Map.of("name", name));
  }

  @Override
  public boolean grant(String role, String group) {
    return Sql.change(
        jdbi,
        "INSERT INTO role_groups (role_name, group_name) VALUES (:role, :group)"
            + " ON CONFLICT (role_name, group_name) DO NOTHING",
        Map.of("role", role, "group", group));
  }

  @Override
  public boolean revoke(String role, String group) {
    return Sql.change(
        jdbi,
        "DELETE FROM role_groups WHERE role_name = :role AND group_name = :group",
        Map.of("role", role, "group", group));
  }

  @Override
  public void setClaim(String role, String claim, String value) {
    Sql.change(
        jdbi,
        "INSERT INTO role_claims (role_name, claim, value) VALUES (:role, :claim, :value)"
            + " ON CONFLICT (role_name, claim) DO UPDATE SET value = excluded.value",
        Map.of("role", role, "claim", claim, "value", value));
  }

  @Override
  public boolean unsetClaim(String role, String claim) {
    return Sql.change(
        jdbi,
        "DELETE FROM role_claims WHERE role_name = :role AND claim = :claim",
        Map.of("role", role, "claim", claim));
  }

  @Override
  public List<String> rolesOf(UserId user) {
    return Sql.strings(
        jdbi,
        "SELECT DISTINCT rg.role_name FROM role_groups rg JOIN group_members m"
            + " ON m.group_name = rg.group_name WHERE m.user_id = :user ORDER BY rg.role_name",
        Map.of("user", user.value()));
  }

  @Override
  public Map<String, List<String>> claimsOf(UserId user) {
    Map<String, List<String>> out = new TreeMap<>();
    jdbi.useHandle(
        h ->
            h.createQuery(
                    "SELECT DISTINCT c.claim, c.value FROM role_claims c"
                        + " JOIN role_groups rg ON rg.role_name = c.role_name"
                        + " JOIN group_members m ON m.group_name = rg.group_name"
                        + " WHERE m.user_id = :user ORDER BY c.claim, c.value")
                .bind("user", user.value())
                .map((rs, ctx) -> Map.entry(rs.getString("claim"), rs.getString("value")))
                .forEach(
                    e ->
                        out.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue())));
    return out;
  }
}
