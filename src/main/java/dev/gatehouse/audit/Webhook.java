package dev.gatehouse.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.kernel.UserId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts each security event as JSON to the configured URL, asynchronously and best effort: the
 * action that caused the event never waits for or fails because of the webhook. Thread-safe.
 */
public final class Webhook implements Consumer<AuditEvent> {
  private static final Logger LOG = LoggerFactory.getLogger(Webhook.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI url;
  private final HttpClient client =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  /** A webhook posting to {@code url}. */
  public Webhook(URI url) {
    this.url = url;
  }

  @Override
  public void accept(AuditEvent event) {
    ObjectNode body = JSON.createObjectNode();
    body.put("id", event.id());
    body.put("at", event.at().toString());
    body.put("event", event.kind());
    body.put("user_id", event.user().map(UserId::value).orElse(null));
    body.put("username", event.username());
    body.put("client_address", event.clientAddress());
    body.put("detail", event.detail());
    String text;
    try {
      text = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/json")
            .header("User-Agent", "Gatehouse-Webhook")
            .POST(HttpRequest.BodyPublishers.ofString(text))
            .build();
    var unused =
        client
            .sendAsync(request, HttpResponse.BodyHandlers.discarding())
            .whenComplete(
                (response, error) -> {
                  if (error != null) {
                    LOG.warn(
                        "webhook for event {} failed: {}",
                        event.kind(),
                        error.getClass().getSimpleName());
                  } else if (response.statusCode() >= 300) {
                    LOG.warn(
                        "webhook for event {} answered {}", event.kind(), response.statusCode());
                  }
                });
  }
}
