package dev.gatehouse.web.ops;

import dev.gatehouse.web.Exchange;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * {@code /healthz} (the process answers), {@code /readyz} (the database answers) and {@code
 * /metrics} (Prometheus text format). Thread-safe.
 */
public final class OpsEndpoints {
  private final BooleanSupplier databaseReady;
  private final PrometheusMeterRegistry registry;

  /** Wires the endpoints. */
  public OpsEndpoints(BooleanSupplier databaseReady, PrometheusMeterRegistry registry) {
    this.databaseReady = databaseReady;
    this.registry = registry;
  }

  /** {@code GET /healthz}. */
  public void health(Exchange exchange) {
    exchange.text(200, "ok\n");
  }

  /** {@code GET /readyz}. */
  public void ready(Exchange exchange) {
    if (databaseReady.getAsBoolean()) {
      exchange.text(200, "ready\n");
    } else {
      exchange.text(503, "database unreachable\n");
    }
  }

  /** {@code GET /metrics}. */
  public void metrics(Exchange exchange) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    out.writeBytes(registry.scrape().getBytes(StandardCharsets.UTF_8));
    exchange.bytes(200, "text/plain; version=0.0.4; charset=utf-8", out);
  }
}
