package dev.gatehouse.oidc;

/** A client cannot be made or changed as asked; the message is safe to show. */
public class ClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** With a message naming what is wrong and what is allowed. */
  public ClientException(String message) {
    super(message);
  }

  /** The id is taken. */
  public static final class Duplicate extends ClientException {
    private static final long serialVersionUID = 1L;

    /** For {@code id}. */
    public Duplicate(String id) {
      super("a client with id " + id + " already exists");
    }
  }
}
