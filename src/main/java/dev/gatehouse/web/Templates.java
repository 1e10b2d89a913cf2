package dev.gatehouse.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;

/**
 * Server-rendered pages from jte templates, precompiled at build time (context-aware HTML escaping;
 * no template compilation at run time). Thread-safe.
 */
public final class Templates {
  private final TemplateEngine engine =
      TemplateEngine.createPrecompiled(
          null, ContentType.Html, Templates.class.getClassLoader(), "dev.gatehouse.web.templates");

  /** Renders {@code name} (e.g. {@code login.jte}) with its single model parameter. */
  public String render(String name, Object model) {
    StringOutput output = new StringOutput(4096);
    engine.render(name, model, output);
    return output.toString();
  }
}
