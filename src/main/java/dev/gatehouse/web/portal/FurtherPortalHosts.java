package dev.gatehouse.web.portal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The portal addresses of further cookie domains ({@code session.more-domains}) serve the hand-off
 * and nothing else: a page opened there by hand goes to the same page on the public URL, where its
 * forms work; other methods are refused with 421 (their cookies and CSRF tokens belong to the
 * public URL). Thread-safe.
 */
public final class FurtherPortalHosts extends Handler.Wrapper {
  private final java.util.function.Predicate<Request> passes;
  private final String publicOrigin;

  /** Wraps the portal; {@code hosts} are the further portal hosts, lower case. */
  public FurtherPortalHosts(Handler portal, Set<String> hosts, String publicOrigin) {
    super(portal);
    this.passes = passes(Set.copyOf(hosts));
    this.publicOrigin = publicOrigin;
  }

  /**
   * Whether a request passes through to the portal untouched: it names none of {@code hosts}, or
   * asks for the hand-off or a static asset.
   */
  public static java.util.function.Predicate<Request> passes(Set<String> hosts) {
    return request -> {
      String host = request.getHttpURI().getHost();
      String path = request.getHttpURI().getPath();
      return host == null
          || path == null
          // A fully qualified name (one trailing dot) is the same host.
          || !hosts.contains(
              (host.endsWith(".") ? host.substring(0, host.length() - 1) : host)
                  .toLowerCase(Locale.ROOT))
          || path.startsWith("/handoff/")
          || path.startsWith("/static/");
    };
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (passes.test(request)) {
      return super.handle(request, response, callback);
    }
    String path = request.getHttpURI().getPath();
    response.getHeaders().put("Cache-Control", "no-store");
    String method = request.getMethod();
    if (method.equals("GET") || method.equals("HEAD")) {
      String query = request.getHttpURI().getQuery();
      response.setStatus(302);
      response
          .getHeaders()
          .put("Location", publicOrigin + path + (query == null ? "" : "?" + query));
      response.getHeaders().put("Content-Length", 0);
      response.write(true, null, callback);
      return true;
    }
    byte[] body =
        ("This address only hands sign-ins over between sites; use " + publicOrigin + "\n")
            .getBytes(StandardCharsets.UTF_8);
    response.setStatus(421);
    response.getHeaders().put("Content-Type", "text/plain; charset=utf-8");
    response.getHeaders().put("Content-Length", body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }
}
