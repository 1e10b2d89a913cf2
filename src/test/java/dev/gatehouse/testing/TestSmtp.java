package dev.gatehouse.testing;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real SMTP server (GreenMail, in-process) on a free loopback port, and Gatehouse's settings. */
public final class TestSmtp implements AutoCloseable {
  private static final Pattern LINK =
      Pattern.compile("https://auth\\.example\\.com(/[a-z/-]+\\?token=[A-Za-z0-9_-]{43})");

  /** A delivered message: recipient, subject and whole raw text. */
  public record Mail(String to, String subject, String whole) {
    /** The path and query of the first Gatehouse link in the message. */
    public String link() {
      Matcher matcher = LINK.matcher(whole);
      if (!matcher.find()) {
        throw new AssertionError("no link in the message:\n" + whole);
      }
      return matcher.group(1);
    }

    /** The token of {@link #link()}. */
    public String token() {
      String link = link();
      return link.substring(link.indexOf("token=") + 6);
    }

    /** Whether the message carries a Gatehouse link with a token. */
    public boolean hasLink() {
      return LINK.matcher(whole).find();
    }
  }

  private final GreenMail smtp;
  private final int port;
  private int seen;

  private TestSmtp(int port) {
    this.port = port;
    this.smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    smtp.start();
  }

  /** Starts a server on a free port. */
  public static TestSmtp start() throws java.io.IOException {
    return new TestSmtp(TestProxy.freePort());
  }

  /** Starts a server on {@code port} (to end an outage that Gatehouse has been living through). */
  public static TestSmtp startOn(int port) {
    return new TestSmtp(port);
  }

  /** The settings that send Gatehouse's mail to {@code port}, where nothing may listen yet. */
  public static Map<String, String> settings(int port) {
    return Map.of(
        "GATEHOUSE_MAIL_SMTP_HOST", "127.0.0.1",
        "GATEHOUSE_MAIL_SMTP_PORT", Integer.toString(port),
        "GATEHOUSE_MAIL_SMTP_SECURITY", "none",
        "GATEHOUSE_MAIL_FROM", "Gatehouse <auth@example.com>");
  }

  /** The settings that send Gatehouse's mail here. */
  public Map<String, String> settings() {
    return settings(port);
  }

  /** Runs Gatehouse's outbox once and returns the messages that arrived since the last call. */
  public List<Mail> deliver(TestGatehouse gatehouse) throws MessagingException {
    gatehouse.app().mailWorker().deliverDue();
    MimeMessage[] received = smtp.getReceivedMessages();
    List<Mail> out = new ArrayList<>();
    for (int i = seen; i < received.length; i++) {
      out.add(
          new Mail(
              received[i].getAllRecipients()[0].toString(),
              Optional.ofNullable(received[i].getSubject()).orElse(""),
              GreenMailUtil.getWholeMessage(received[i])));
    }
    seen = received.length;
    return out;
  }

  @Override
  public void close() {
    smtp.stop();
  }
}
