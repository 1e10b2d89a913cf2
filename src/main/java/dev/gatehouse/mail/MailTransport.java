package dev.gatehouse.mail;

/** Hands a message to the outside world. Implementations are thread-safe. */
public interface MailTransport {
  /**
   * Sends {@code message} with the given stable {@code Message-ID} (so that a retry after an
   * unknown outcome can be recognised as the same message).
   *
   * @throws MailException when delivery failed and should be retried
   */
  void send(String messageId, Message message);

  /** A failed delivery. */
  final class MailException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure with a cause. */
    public MailException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
