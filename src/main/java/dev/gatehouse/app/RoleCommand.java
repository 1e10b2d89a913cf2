package dev.gatehouse.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.identity.RoleRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse role …}: roles are granted to groups and carry claims. */
@Command(name = "role", description = "Manage roles, their grants to groups and their claims.")
final class RoleCommand {
  @ParentCommand Main main;

  @Command(name = "add", description = "Create a role.")
  int add(@Parameters(paramLabel = "ROLE") String name) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var body = RemoteAdmin.object();
      body.put("name", name);
      System.out.println(
          "created role "
              + remote.get().send("POST", "/roles", Optional.of(body)).path("name").asText());
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      System.out.println("created role " + gatehouse.directory().addRole(name));
    }
    return 0;
  }

  @Command(name = "list", description = "List roles with their groups and claims.")
  int list() {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      for (JsonNode role : remote.get().get("/roles").path("items")) {
        List<String> groups = new ArrayList<>();
        role.path("groups").forEach(g -> groups.add(g.asText()));
        Map<String, String> claims = new TreeMap<>();
        role.path("claims")
            .properties()
            .forEach(e -> claims.put(e.getKey(), e.getValue().asText()));
        print(role.path("name").asText(), groups, claims);
      }
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      for (RoleRepository.Role role : gatehouse.directory().listRoles()) {
        print(role.name(), role.groups(), role.claims());
      }
    }
    return 0;
  }

  @Command(
      name = "rename",
      description = "Rename a role; its grants and claims follow (apps see the new name).")
  int rename(
      @Parameters(paramLabel = "ROLE") String role,
      @Parameters(paramLabel = "NEW_NAME") String name) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var body = RemoteAdmin.object();
      body.put("name", name);
      JsonNode renamed = remote.get().send("PATCH", path(role), Optional.of(body));
      System.out.println("renamed role " + role + " to " + renamed.path("name").asText());
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      System.out.println(
          "renamed role " + role + " to " + gatehouse.directory().renameRole(role, name));
    }
    return 0;
  }

  @Command(name = "delete", description = "Delete a role.")
  int delete(@Parameters(paramLabel = "ROLE") String name) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      remote.get().send("DELETE", path(name), Optional.empty());
    } else {
      try (Gatehouse gatehouse = main.open()) {
        gatehouse.directory().deleteRole(name);
      }
    }
    System.out.println("deleted role " + name);
    return 0;
  }

  @Command(name = "grant", description = "Grant a role to a group.")
  int grant(
      @Parameters(paramLabel = "ROLE") String role,
      @Parameters(paramLabel = "GROUP") String group) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      remote
          .get()
          .send("PUT", path(role) + "/groups/" + RemoteAdmin.encode(group), Optional.empty());
    } else {
      try (Gatehouse gatehouse = main.open()) {
        gatehouse.directory().grantRole(role, group);
      }
    }
    System.out.println("granted " + role + " to " + group);
    return 0;
  }

  @Command(name = "revoke", description = "Take a role from a group.")
  int revoke(
      @Parameters(paramLabel = "ROLE") String role,
      @Parameters(paramLabel = "GROUP") String group) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      remote
          .get()
          .send("DELETE", path(role) + "/groups/" + RemoteAdmin.encode(group), Optional.empty());
    } else {
      try (Gatehouse gatehouse = main.open()) {
        gatehouse.directory().revokeRole(role, group);
      }
    }
    System.out.println("revoked " + role + " from " + group);
    return 0;
  }

  @Command(name = "set-claim", description = "Set a claim the role carries.")
  int setClaim(
      @Parameters(paramLabel = "ROLE") String role,
      @Parameters(paramLabel = "CLAIM") String claim,
      @Parameters(paramLabel = "VALUE") String value) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var body = RemoteAdmin.object();
      body.put("value", value);
      remote
          .get()
          .send("PUT", path(role) + "/claims/" + RemoteAdmin.encode(claim), Optional.of(body));
    } else {
      try (Gatehouse gatehouse = main.open()) {
        gatehouse.directory().setClaim(role, claim, value);
      }
    }
    System.out.println("set " + claim + " on " + role);
    return 0;
  }

  @Command(name = "unset-claim", description = "Remove a claim from the role.")
  int unsetClaim(
      @Parameters(paramLabel = "ROLE") String role,
      @Parameters(paramLabel = "CLAIM") String claim) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      remote
          .get()
          .send("DELETE", path(role) + "/claims/" + RemoteAdmin.encode(claim), Optional.empty());
    } else {
      try (Gatehouse gatehouse = main.open()) {
        gatehouse.directory().unsetClaim(role, claim);
      }
    }
    System.out.println("removed " + claim + " from " + role);
    return 0;
  }

  private static String path(String role) {
    return "/roles/" + RemoteAdmin.encode(role);
  }

  private static void print(String name, List<String> groups, Map<String, String> claims) {
    System.out.println(name + ": groups [" + String.join(", ", groups) + "] claims " + claims);
  }
}
