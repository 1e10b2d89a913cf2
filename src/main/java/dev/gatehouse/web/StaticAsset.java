package dev.gatehouse.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** A static file from the class path, read once. Immutable and thread-safe. */
public final class StaticAsset implements Router.Route {
  private final byte[] content;
  private final String contentType;

  /** Loads {@code resource} (e.g. {@code /static/gatehouse.css}). */
  public StaticAsset(String resource, String contentType) {
    try (InputStream in = StaticAsset.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      this.content = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.contentType = contentType;
  }

  @Override
  public void handle(Exchange exchange) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length);
    out.writeBytes(content);
    exchange.bytes(200, contentType, out);
    exchange.addHeader("Cache-Control", "public, max-age=3600");
  }
}
