package dev.gatehouse.web.proxy;

import java.nio.ByteBuffer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Frame;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.common.WebSocketSession;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of a proxied WebSocket (the browser's or the app's): each data frame that arrives is
 * sent on to its peer as it came, and the next is read only once that send completed. Public only
 * because Jetty calls its listener methods through a public lookup; made by {@link Sockets}.
 */
public final class SocketEnd implements Session.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(SocketEnd.class);

  private final Sockets.Bridge bridge;
  private final boolean isBrowser;
  volatile SocketEnd peer;
  volatile Session session;

  SocketEnd(Sockets.Bridge bridge, boolean isBrowser) {
    this.bridge = bridge;
    this.isBrowser = isBrowser;
  }

  @Override
  public void onWebSocketOpen(Session opened) {
    session = opened;
    if (isBrowser) {
      bridge.opened();
    }
  }

  @Override
  public void onWebSocketFrame(Frame frame, Callback callback) {
    byte opCode = frame.getOpCode();
    if (opCode == OpCode.TEXT || opCode == OpCode.BINARY || opCode == OpCode.CONTINUATION) {
      ByteBuffer payload = ByteBuffer.allocate(frame.getPayloadLength());
      if (frame.hasPayload()) {
        payload.put(frame.getPayload().slice()).flip();
      }
      peer.send(
          new org.eclipse.jetty.websocket.core.Frame(opCode, frame.isFin(), payload),
          Callback.from(
              () -> {
                callback.succeed();
                session.demand();
              },
              failure -> {
                callback.fail(failure);
                bridge.end(1011, "");
              }));
      return;
    }
    // Pings are answered on each hop by Jetty; a close is handled in onWebSocketClose.
    callback.succeed();
    if (opCode != OpCode.CLOSE) {
      session.demand();
    }
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason, Callback callback) {
    bridge.forget();
    peer.close(Sockets.sendable(statusCode), reason);
    callback.succeed();
  }

  @Override
  public void onWebSocketError(Throwable cause) {
    LOG.debug("proxy: WebSocket error on the {} side", isBrowser ? "browser" : "app", cause);
    bridge.forget();
    peer.close(1011, "");
  }

  void send(org.eclipse.jetty.websocket.core.Frame frame, Callback done) {
    Session current = session;
    if (current == null || !current.isOpen()) {
      done.fail(new java.nio.channels.ClosedChannelException());
      return;
    }
    ((WebSocketSession) current)
        .getCoreSession()
        .sendFrame(frame, org.eclipse.jetty.util.Callback.from(done::succeed, done::fail), false);
  }

  void close(int code, String reason) {
    Session current = session;
    if (current != null && current.isOpen()) {
      current.close(code, reason == null ? "" : reason, Callback.NOOP);
    }
  }
}
