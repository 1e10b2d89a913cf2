package dev.gatehouse.app;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code gatehouse} command line. */
@Command(
    name = "gatehouse",
    mixinStandardHelpOptions = true,
    // --help and --version on every subcommand too.
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = Main.Version.class,
    description = "Self-hosted authentication authority: one sign-in for every app of a domain.")
public final class Main {
  /**
   * The subcommands, in the order help lists them. Added to the command line when it runs, and only
   * the one being run when that is clear: picocli builds a command's whole model by reflection, and
   * building all of them was the largest block of {@code serve}'s start-up.
   */
  private static final java.util.List<Class<?>> COMMANDS =
      java.util.List.of(
          ServeCommand.class,
          InitCommand.class,
          ConfigCommand.class,
          BackupCommand.class,
          RestoreCommand.class,
          UserCommand.class,
          GroupCommand.class,
          RoleCommand.class,
          SessionCommand.class,
          ApiKeyCommand.class,
          ClientCommand.class,
          IdpCommand.class,
          KeysCommand.class,
          SnippetCommand.class,
          SelftestCommand.class,
          MailCommand.class,
          AuditCommand.class,
          CommandLine.HelpCommand.class);

  /** Options of the top command that take a value (so their value is not a command name). */
  private static final java.util.Set<String> VALUED_OPTIONS =
      java.util.Set.of("--config", "--remote", "--api-key-file");

  /** Exit status for a bad configuration or usage. */
  static final int EXIT_CONFIG = 2;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Configuration file (default: ./gatehouse.yml when it exists).")
  Optional<Path> configFile = Optional.empty();

  @Option(
      names = "--remote",
      paramLabel = "URL",
      description =
          "Administer the Gatehouse at URL over its admin API instead of the one here (user,"
              + " group, apikey and session commands), with the admin API key in"
              + " GATEHOUSE_API_KEY or --api-key-file. Also GATEHOUSE_REMOTE.")
  Optional<String> remoteUrl = Optional.empty();

  @Option(
      names = "--api-key-file",
      paramLabel = "FILE",
      description = "File holding the admin API key for --remote.")
  Optional<Path> apiKeyFile = Optional.empty();

  Map<String, String> environment = System.getenv();

  /** Where {@code ./gatehouse.yml} is looked for: the process's working directory. */
  Path workingDirectory = Path.of("");

  /** The clock every command's services read. */
  Clock clock = Clock.systemUTC();

  /** Runs the CLI and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args, System.getenv()));
  }

  /** Runs the CLI with this environment and returns the exit status. */
  static int run(String[] args, Map<String, String> environment) {
    return run(args, environment, Path.of(""), Clock.systemUTC());
  }

  /**
   * Runs the CLI as if started in {@code workingDirectory}, with this environment and clock, and
   * returns the exit status. Tests use it so that neither the machine's {@code gatehouse.yml} nor
   * its {@code GATEHOUSE_…} variables nor a clock other than the server's reach the command.
   */
  public static int run(
      String[] args, Map<String, String> environment, Path workingDirectory, Clock clock) {
    Main main = new Main();
    main.environment = environment;
    main.workingDirectory = workingDirectory;
    main.clock = clock;
    CommandLine cli = new CommandLine(main);
    Optional<Class<?>> only = commandNamed(args);
    if (only.equals(Optional.of(ServeCommand.class))) {
      // Logging first, here: a class the second thread sets up may log, and a log call made while
      // SLF4J is still initialising on another thread is queued and replayed with a warning.
      org.slf4j.LoggerFactory.getILoggerFactory();
      Preload.inBackground();
    }
    for (Class<?> command : COMMANDS) {
      if (only.isEmpty() || only.get() == command) {
        cli.addSubcommand(command);
      }
    }
    cli.setExecutionExceptionHandler(Main::handle);
    return cli.execute(args);
  }

  /**
   * The subcommand the arguments run, when their first word that is not an option of the top
   * command names one (not {@code help}, which lists them all); empty otherwise, and then every
   * subcommand is added, so usage, help and "did you mean" see them all.
   */
  private static Optional<Class<?>> commandNamed(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (VALUED_OPTIONS.contains(arg)) {
        i++; // its value
      } else if (!arg.startsWith("-")) {
        for (Class<?> command : COMMANDS) {
          Command annotation = command.getAnnotation(Command.class);
          if (annotation.name().equals(arg) && command != CommandLine.HelpCommand.class) {
            return Optional.of(command);
          }
        }
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** Loads the configuration named by {@code --config}, or {@code ./gatehouse.yml}, or defaults. */
  GatehouseConfig config() {
    Optional<Path> file = configFile;
    if (file.isPresent() && !Files.isRegularFile(file.get())) {
      throw ConfigException.missingFile(file.get());
    }
    Path local = workingDirectory.resolve("gatehouse.yml");
    if (file.isEmpty() && Files.isRegularFile(local)) {
      file = Optional.of(local);
    }
    return ConfigLoader.load(file, environment);
  }

  /**
   * Opens Gatehouse (store and services) for a CLI command. Refuses when the embedded database does
   * not exist yet: a command run from another directory must not answer from a new, empty one.
   * {@code serve} and {@code init} create it.
   */
  Gatehouse open() {
    if (remote().isPresent()) {
      throw new CliException(
          "this command works only on the server's machine; --remote covers the user (but"
              + " set-password: send a reset link from the console), group, role, client, apikey,"
              + " session and mail commands");
    }
    GatehouseConfig config = config();
    Path database = Database.sqliteFileIn(config.dataDir());
    if (config.database().url().isEmpty() && !Files.exists(database)) {
      throw new CliException(
          "no Gatehouse database at "
              + database.toAbsolutePath().normalize()
              + "; run the command where `gatehouse serve` runs, point data-dir (or"
              + " GATEHOUSE_DATA_DIR, or --config) at the right directory, or create one with"
              + " `gatehouse init`");
    }
    return Gatehouse.open(config, clock);
  }

  /** The remote Gatehouse to administer, when {@code --remote} (or GATEHOUSE_REMOTE) names one. */
  Optional<RemoteAdmin> remote() {
    Optional<String> url =
        remoteUrl.or(
            () ->
                Optional.ofNullable(environment.get("GATEHOUSE_REMOTE")).filter(u -> !u.isBlank()));
    if (url.isEmpty()) {
      return Optional.empty();
    }
    String key;
    if (apiKeyFile.isPresent()) {
      try {
        key = Files.readString(apiKeyFile.get()).strip();
      } catch (java.io.IOException e) {
        throw new CliException("cannot read --api-key-file " + apiKeyFile.get());
      }
    } else {
      key = Optional.ofNullable(environment.get("GATEHOUSE_API_KEY")).orElse("").strip();
    }
    return Optional.of(RemoteAdmin.of(url.get(), key));
  }

  private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    PrintWriter err = cli.getErr();
    if (e instanceof ConfigException config) {
      err.println("gatehouse: configuration error: " + config.getMessage());
      return EXIT_CONFIG;
    }
    if (e instanceof dev.gatehouse.oidc.ClientException
        || e instanceof DirectoryException
        || e instanceof StoreException
        || e instanceof CliException) {
      err.println("gatehouse: " + e.getMessage());
      return 1;
    }
    err.println("gatehouse: " + inWords(e));
    return 1;
  }

  /** What went wrong, in words a person can act on; never a bare exception class name. */
  static String inWords(Throwable e) {
    String firstMessage = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      String detail = Optional.ofNullable(t.getMessage()).orElse("");
      String words =
          switch (t) {
            case java.net.ConnectException refused ->
                "could not connect"
                    + (detail.isEmpty() ? "" : " (" + detail + ")")
                    + ": is the address right and the server running?";
            case java.net.UnknownHostException unknown -> "unknown host " + detail;
            case java.net.http.HttpTimeoutException timeout -> "no answer in time";
            case javax.net.ssl.SSLException tls -> "TLS failed: " + detail;
            case java.nio.file.NoSuchFileException missing -> "no such file: " + detail;
            case java.nio.file.AccessDeniedException denied -> "permission denied: " + detail;
            default -> null;
          };
      if (words != null) {
        return words;
      }
      if (firstMessage == null && !detail.isEmpty()) {
        firstMessage = detail;
      }
    }
    return firstMessage == null ? "unexpected failure with no details (see the log)" : firstMessage;
  }

  /** A CLI failure with a message for the operator. */
  static final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
      super(message);
    }
  }

  /** The version Maven built (a filtered resource, so it is right in the jar and in tests). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws java.io.IOException {
      java.util.Properties properties = new java.util.Properties();
      try (java.io.InputStream in =
          Main.class.getResourceAsStream("/gatehouse-version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      }
      return new String[] {"gatehouse " + properties.getProperty("version", "development")};
    }
  }
}
