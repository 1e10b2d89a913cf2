package dev.gatehouse.app;

import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse group …}. */
@Command(name = "group", description = "Manage groups and memberships.")
final class GroupCommand {
  @ParentCommand Main main;

  @Command(name = "add", description = "Create a group.")
  int add(@Parameters(paramLabel = "GROUP") String name) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var body = RemoteAdmin.object();
      body.put("name", name);
      var group = remote.get().send("POST", "/groups", Optional.of(body));
      System.out.println("created group " + group.path("name").asText());
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      System.out.println("created group " + gatehouse.directory().addGroup(name));
    }
    return 0;
  }

  @Command(name = "list", description = "List groups with their members.")
  int list() {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      for (var group : remote.get().get("/groups").path("items")) {
        java.util.List<String> members = new java.util.ArrayList<>();
        group.path("members").forEach(m -> members.add(m.asText()));
        System.out.println(group.path("name").asText() + ": " + String.join(", ", members));
      }
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      for (String group : gatehouse.directory().listGroups()) {
        System.out.println(group + ": " + String.join(", ", gatehouse.directory().members(group)));
      }
    }
    return 0;
  }

  @Command(
      name = "rename",
      description =
          "Rename a group; members, role grants, application keys and clients follow. Refused"
              + " while gatehouse.yml names the group or a provider gives it.")
  int rename(
      @Parameters(paramLabel = "GROUP") String group,
      @Parameters(paramLabel = "NEW_NAME") String name) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var body = RemoteAdmin.object();
      body.put("name", name);
      var renamed =
          remote.get().send("PATCH", "/groups/" + RemoteAdmin.encode(group), Optional.of(body));
      System.out.println("renamed group " + group + " to " + renamed.path("name").asText());
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      var uses = gatehouse.groupUsesInConfiguration(group);
      if (!uses.isEmpty() && !group.equals(name)) {
        throw new Main.CliException(
            "gatehouse.yml names group "
                + group
                + " ("
                + String.join("; ", uses)
                + "); rename it there and restart, or create the new group and move the members");
      }
      System.out.println(
          "renamed group " + group + " to " + gatehouse.directory().renameGroup(group, name));
    }
    return 0;
  }

  @Command(name = "delete", description = "Delete a group (members stay).")
  int delete(@Parameters(paramLabel = "GROUP") String name) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      remote.get().send("DELETE", "/groups/" + RemoteAdmin.encode(name), Optional.empty());
      System.out.println("deleted group " + name);
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.directory().deleteGroup(name);
      System.out.println("deleted group " + name);
    }
    return 0;
  }

  @Command(name = "add-member", description = "Add a user to a group.")
  int addMember(
      @Parameters(paramLabel = "GROUP") String group,
      @Parameters(paramLabel = "USERNAME") String user) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      remote.get().send("PUT", member(group, user), Optional.empty());
      System.out.println("added " + user + " to " + group);
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      boolean added = gatehouse.directory().addMember(group, user);
      System.out.println(
          added ? "added " + user + " to " + group : user + " was already in " + group);
    }
    return 0;
  }

  @Command(name = "remove-member", description = "Remove a user from a group.")
  int removeMember(
      @Parameters(paramLabel = "GROUP") String group,
      @Parameters(paramLabel = "USERNAME") String user) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      remote.get().send("DELETE", member(group, user), Optional.empty());
      System.out.println("removed " + user + " from " + group);
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      boolean removed = gatehouse.directory().removeMember(group, user);
      System.out.println(
          removed ? "removed " + user + " from " + group : user + " was not in " + group);
    }
    return 0;
  }

  private static String member(String group, String user) {
    return "/groups/" + RemoteAdmin.encode(group) + "/members/" + RemoteAdmin.encode(user);
  }
}
