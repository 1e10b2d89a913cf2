package dev.gatehouse.mail;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import java.util.List;
import java.util.Optional;

/**
 * What a mail says, as values rather than markup: a greeting, paragraphs, at most one link to act
 * on, closing paragraphs. Both bodies are rendered from it — the HTML part by a precompiled jte
 * template ({@code src/main/mail/mail.jte}) that escapes every value by construction, the text part
 * line by line — and every value has its control characters replaced with {@code ?} on the way in,
 * so a user-supplied name, address or user agent can neither inject markup nor forge lines.
 * Immutable.
 */
public record MailContent(
    Optional<String> greeting,
    List<String> paragraphs,
    Optional<Action> action,
    List<String> closing) {
  private static final TemplateEngine HTML =
      TemplateEngine.createPrecompiled(
          null,
          ContentType.Html,
          MailContent.class.getClassLoader(),
          "dev.gatehouse.mail.templates");

  /** A link to act on: its label, its URL (from the configured public URL) and a short note. */
  public record Action(String label, String url, String note) {
    /** Sanitises every value. */
    public Action {
      label = clean(label);
      url = clean(url);
      note = clean(note);
    }
  }

  /** Sanitises every value. */
  public MailContent {
    greeting = greeting.map(MailContent::clean);
    paragraphs = paragraphs.stream().map(MailContent::clean).toList();
    closing = closing.stream().map(MailContent::clean).toList();
  }

  /** A mail greeting {@code name} (or nobody, when empty) with {@code paragraphs}. */
  public static MailContent to(Optional<String> name, String... paragraphs) {
    return new MailContent(name, List.of(paragraphs), Optional.empty(), List.of());
  }

  /** This mail with {@code action} after its paragraphs. */
  public MailContent withAction(String label, String url, String note) {
    return new MailContent(
        greeting, paragraphs, Optional.of(new Action(label, url, note)), closing);
  }

  /** This mail with {@code paragraphs} after its action. */
  public MailContent closingWith(String... more) {
    return new MailContent(greeting, paragraphs, action, List.of(more));
  }

  /** The message to {@code to} with {@code subject} and both bodies. */
  public Message message(String to, String subject) {
    return new Message(to, subject, text(), html());
  }

  /** The plain-text body. */
  public String text() {
    StringBuilder out = new StringBuilder();
    out.append("Hello").append(greeting.map(name -> " " + name).orElse("")).append(",\n\n");
    paragraphs.forEach(p -> out.append(p).append("\n\n"));
    action.ifPresent(
        a ->
            out.append(a.label())
                .append(" (")
                .append(a.note())
                .append("):\n")
                .append(a.url())
                .append("\n\n"));
    closing.forEach(p -> out.append(p).append("\n\n"));
    return out.toString().stripTrailing() + "\n";
  }

  /** The HTML body. */
  public String html() {
    StringOutput output = new StringOutput(2048);
    HTML.render("mail.jte", this, output);
    return output.toString();
  }

  private static String clean(String value) {
    return dev.gatehouse.kernel.Printable.of(value);
  }
}
