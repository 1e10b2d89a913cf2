package dev.gatehouse.app;

import dev.gatehouse.identity.RoleRepository;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse role …}: roles are granted to groups and carry claims. */
@Command(name = "role", description = "Manage roles, their grants to groups and their claims.")
final class RoleCommand {
  @ParentCommand Main main;

  @Command(name = "add", description = "Create a role.")
  int add(@Parameters(paramLabel = "ROLE") String name) {
    try (Gatehouse gatehouse = main.open()) {
      System.out.println("created role " + gatehouse.directory().addRole(name));
    }
    return 0;
  }

  @Command(name = "list", description = "List roles with their groups and claims.")
  int list() {
    try (Gatehouse gatehouse = main.open()) {
      for (RoleRepository.Role role : gatehouse.directory().listRoles()) {
        System.out.println(
            role.name()
                + ": groups ["
                + String.join(", ", role.groups())
                + "] claims "
                + role.claims());
      }
    }
    return 0;
  }

  @Command(name = "delete", description = "Delete a role.")
  int delete(@Parameters(paramLabel = "ROLE") String name) {
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.directory().deleteRole(name);
      System.out.println("deleted role " + name);
    }
    return 0;
  }

  @Command(name = "grant", description = "Grant a role to a group.")
  int grant(
      @Parameters(paramLabel = "ROLE") String role,
      @Parameters(paramLabel = "GROUP") String group) {
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.directory().grantRole(role, group);
      System.out.println("granted " + role + " to " + group);
    }
    return 0;
  }

  @Command(name = "revoke", description = "Take a role from a group.")
  int revoke(
      @Parameters(paramLabel = "ROLE") String role,
      @Parameters(paramLabel = "GROUP") String group) {
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.directory().revokeRole(role, group);
      System.out.println("revoked " + role + " from " + group);
    }
    return 0;
  }

  @Command(name = "set-claim", description = "Set a claim the role carries.")
  int setClaim(
      @Parameters(paramLabel = "ROLE") String role,
      @Parameters(paramLabel = "CLAIM") String claim,
      @Parameters(paramLabel = "VALUE") String value) {
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.directory().setClaim(role, claim, value);
      System.out.println("set " + claim + " on " + role);
    }
    return 0;
  }

  @Command(name = "unset-claim", description = "Remove a claim from the role.")
  int unsetClaim(
      @Parameters(paramLabel = "ROLE") String role,
      @Parameters(paramLabel = "CLAIM") String claim) {
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.directory().unsetClaim(role, claim);
      System.out.println("removed " + claim + " from " + role);
    }
    return 0;
  }
}
