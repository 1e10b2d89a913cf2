package dev.gatehouse.app;

import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.forwardauth.Snippets;
import dev.gatehouse.forwardauth.Verifier;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse snippet caddy|nginx|traefik --host H --upstream U}. */
@Command(
    name = "snippet",
    description = "Print proxy configuration that protects one app with Gatehouse.")
final class SnippetCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(paramLabel = "PROXY", description = "caddy, nginx or traefik")
  String proxy;

  @Option(names = "--host", required = true, description = "The app's public host name.")
  String host;

  @Option(names = "--upstream", required = true, description = "The app's address, host:port.")
  String upstream;

  @Option(
      names = "--gatehouse",
      description = "Gatehouse's address as the proxy reaches it (default: from server.listen).")
  Optional<String> gatehouse = Optional.empty();

  @Option(
      names = "--http-port",
      description = "Listen on plain http on this port (local testing) instead of https.")
  Optional<Integer> httpPort = Optional.empty();

  @Option(
      names = "--no-default-server",
      description =
          "nginx: leave out the default_server block that refuses unknown hosts (it may exist once"
              + " per listen address; keep it in the first snippet you paste).")
  boolean noDefaultServer;

  @Override
  public Integer call() {
    GatehouseConfig config = main.config();
    String listenHost = config.server().listenHost();
    String reach =
        gatehouse.orElseGet(
            () ->
                (listenHost.equals("0.0.0.0") || listenHost.equals("::") ? "127.0.0.1" : listenHost)
                    + ":"
                    + config.server().listenPort());
    if (!host.matches("[A-Za-z0-9.-]{1,253}") || !upstream.matches("[A-Za-z0-9.:\\[\\]-]{1,300}")) {
      throw new Main.CliException("--host must be a host name and --upstream host:port");
    }
    Verifier.Headers headers = config.forwardAuth().headers();
    Snippets.Options options =
        new Snippets.Options(
            host,
            upstream,
            reach,
            httpPort,
            headers.all(),
            headers.allWithDefaults(),
            !noDefaultServer);
    String text =
        switch (proxy) {
          case "caddy" -> Snippets.caddy(options);
          case "nginx" -> Snippets.nginx(options);
          case "traefik" -> Snippets.traefik(options);
          default ->
              throw new Main.CliException(
                  "unknown proxy " + proxy + "; use caddy, nginx or traefik");
        };
    System.out.print(text);
    return 0;
  }
}
