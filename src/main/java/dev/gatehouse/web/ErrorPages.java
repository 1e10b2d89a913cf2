package dev.gatehouse.web;

import dev.gatehouse.kernel.SafeMessage;

/** Renders a safe catalogue message as a page. Thread-safe. */
public final class ErrorPages {
  private final Templates templates;

  /** Pages rendered with {@code templates}. */
  public ErrorPages(Templates templates) {
    this.templates = templates;
  }

  /** The view model of the error page. */
  public record ErrorView(int status, String code, String message) {}

  /** Sets the exchange's response to the page for {@code message}. */
  public void render(Exchange exchange, SafeMessage message) {
    exchange.html(
        message.status(),
        templates.render(
            "error.jte", new ErrorView(message.status(), message.code(), message.text())));
  }
}
