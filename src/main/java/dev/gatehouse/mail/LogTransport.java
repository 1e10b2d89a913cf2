package dev.gatehouse.mail;

import java.io.PrintStream;

/**
 * Development transport used when no SMTP server is configured: prints each message to the terminal
 * (not to the log, which is collected and kept: messages hold sign-in links). Thread-safe.
 */
public final class LogTransport implements MailTransport {
  private final PrintStream out;

  /** Prints to {@code out}. */
  public LogTransport(PrintStream out) {
    this.out = out;
  }

  @Override
  public synchronized void send(String messageId, Message message) {
    out.println();
    out.println("  ---- mail (no SMTP configured; set mail.smtp-host to send for real) ----");
    out.println("  To: " + message.to());
    out.println("  Subject: " + message.subject());
    out.println("  Message-ID: " + messageId);
    out.println();
    message.text().lines().forEach(line -> out.println("  " + line));
    out.println("  ----");
    out.flush();
  }
}
