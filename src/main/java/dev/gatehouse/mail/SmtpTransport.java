package dev.gatehouse.mail;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Properties;

/**
 * SMTP through Angus Mail: implicit TLS, STARTTLS (required, not opportunistic) or plain (for a
 * relay on the same host), optional authentication, 10 s timeouts. Multipart text + HTML.
 * Thread-safe.
 */
public final class SmtpTransport implements MailTransport {
  /** How the connection is protected. */
  public enum Security {
    TLS,
    STARTTLS,
    NONE
  }

  private final Session session;
  private final InternetAddress from;
  private final Optional<String> username;
  private final dev.gatehouse.kernel.Secret password;

  /** A transport to {@code host:port}. */
  public SmtpTransport(
      String host,
      int port,
      Security security,
      Optional<String> username,
      dev.gatehouse.kernel.Secret password,
      String from) {
    Properties properties = new Properties();
    String protocol = security == Security.TLS ? "smtps" : "smtp";
    properties.put("mail.transport.protocol", protocol);
    properties.put("mail." + protocol + ".host", host);
    properties.put("mail." + protocol + ".port", Integer.toString(port));
    properties.put("mail." + protocol + ".auth", Boolean.toString(username.isPresent()));
    properties.put("mail." + protocol + ".connectiontimeout", "10000");
    properties.put("mail." + protocol + ".timeout", "10000");
    properties.put("mail." + protocol + ".writetimeout", "10000");
    if (security == Security.STARTTLS) {
      properties.put("mail.smtp.starttls.enable", "true");
      properties.put("mail.smtp.starttls.required", "true");
    }
    if (security != Security.NONE) {
      properties.put("mail." + protocol + ".ssl.checkserveridentity", "true");
    }
    this.session = Session.getInstance(properties);
    this.username = username;
    this.password = password;
    try {
      this.from = new InternetAddress(from, true);
    } catch (jakarta.mail.internet.AddressException e) {
      throw new IllegalArgumentException("invalid sender address", e);
    }
  }

  @Override
  public void send(String messageId, Message message) {
    try {
      MimeMessage mime =
          new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
              setHeader("Message-ID", messageId); // Stable across retries.
            }
          };
      mime.setFrom(from);
      mime.setRecipient(
          jakarta.mail.Message.RecipientType.TO, new InternetAddress(message.to(), true));
      mime.setSubject(message.subject(), StandardCharsets.UTF_8.name());
      MimeBodyPart text = new MimeBodyPart();
      text.setText(message.text(), StandardCharsets.UTF_8.name());
      MimeBodyPart html = new MimeBodyPart();
      html.setText(message.html(), StandardCharsets.UTF_8.name(), "html");
      MimeMultipart alternative = new MimeMultipart("alternative", text, html);
      mime.setContent(alternative);
      mime.saveChanges();
      if (username.isPresent()) {
        // The password as its file holds it now: a rotated one is used from the next message on.
        Transport.send(mime, username.get(), password.reveal());
      } else {
        Transport.send(mime);
      }
    } catch (MessagingException e) {
      throw new MailException("SMTP delivery failed: " + e.getClass().getSimpleName(), e);
    }
  }
}
