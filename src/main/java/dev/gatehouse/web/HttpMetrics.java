package dev.gatehouse.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Request counters by route and status. Counters are cached per (route, status) so that counting
 * costs a map lookup, not a registry lookup, per request. Thread-safe.
 */
public final class HttpMetrics {
  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter[]> counters = new ConcurrentHashMap<>();

  /** Counts into {@code registry}. */
  public HttpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Counts one answered request (no allocation once the counter exists). */
  public void count(String route, int status) {
    Counter[] byStatus = counters.computeIfAbsent(route, r -> new Counter[600]);
    int index = status >= 100 && status < 600 ? status : 599;
    Counter counter = byStatus[index];
    if (counter == null) {
      counter =
          Counter.builder("gatehouse.http.requests")
              .description("HTTP requests answered, by route and status")
              .tag("route", route)
              .tag("status", Integer.toString(status))
              .register(registry); // The registry returns the same counter on a race.
      byStatus[index] = counter;
    }
    counter.increment();
  }
}
