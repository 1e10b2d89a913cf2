package dev.gatehouse.identity;

/** Root of the directory's failures; the message is safe to show to an administrator. */
public class DirectoryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with a safe message. */
  public DirectoryException(String message) {
    super(message);
  }

  /** A name, username, email or value that breaks the rules; the message says which rule. */
  public static final class InvalidValueException extends DirectoryException {
    private static final long serialVersionUID = 1L;

    /** An invalid value. */
    public InvalidValueException(String message) {
      super(message);
    }
  }

  /** Something with the same unique name already exists. */
  public static final class DuplicateException extends DirectoryException {
    private static final long serialVersionUID = 1L;

    /** A duplicate of {@code what}. */
    public DuplicateException(String what) {
      super(what + " already exists");
    }
  }

  /** The change would break something that depends on the current state; the message says what. */
  public static final class ConflictException extends DirectoryException {
    private static final long serialVersionUID = 1L;

    /** A conflict, described for an administrator. */
    public ConflictException(String message) {
      super(message);
    }
  }

  /** The named thing does not exist. */
  public static final class NotFoundException extends DirectoryException {
    private static final long serialVersionUID = 1L;

    /** {@code what} was not found. */
    public NotFoundException(String what) {
      super(what + " not found");
    }
  }
}
