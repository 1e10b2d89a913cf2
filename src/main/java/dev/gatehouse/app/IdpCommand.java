package dev.gatehouse.app;

import dev.gatehouse.signin.upstream.UpstreamProvider;
import dev.gatehouse.signin.upstream.UpstreamSignIn;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse idp …}: the upstream identity providers of {@code identity-providers}. */
@Command(
    name = "idp",
    description = "Upstream identity providers (configured under identity-providers).")
final class IdpCommand {
  @ParentCommand Main main;

  @Command(name = "list", description = "List the providers and their redirect URIs.")
  int list() {
    try (Gatehouse gatehouse = main.open()) {
      UpstreamSignIn upstream = gatehouse.upstream();
      System.out.printf("%-16s %-20s %-10s %s%n", "ID", "NAME", "ACCOUNTS", "ISSUER");
      for (UpstreamProvider p : upstream.providers()) {
        System.out.printf(
            "%-16s %-20s %-10s %s%n",
            p.id(), p.name(), p.accounts().name().toLowerCase(Locale.ROOT), p.issuer());
      }
    }
    return 0;
  }

  @Command(
      name = "test",
      description =
          "Fetch a provider's discovery document and keys and print what is missing (exit 1 when"
              + " something is).")
  int test(@Parameters(paramLabel = "ID") String id) {
    try (Gatehouse gatehouse = main.open()) {
      UpstreamProvider provider =
          gatehouse
              .upstream()
              .provider(id)
              .orElseThrow(
                  () ->
                      new Main.CliException(
                          "no identity provider " + id + "; see gatehouse idp list"));
      UpstreamSignIn.Check check = gatehouse.upstream().check(provider);
      check.lines().forEach(System.out::println);
      return check.ok() ? 0 : 1;
    }
  }
}
