package dev.gatehouse.policy;

import java.util.Optional;

/** Matches {@code user:NAME}, {@code group:NAME} or {@code app:NAME}. Immutable. */
public record SubjectMatcher(Kind kind, String name) {
  /** What the matcher names. */
  public enum Kind {
    USER,
    GROUP,
    APP
  }

  /** Parses {@code user:alice}, {@code group:ops} or {@code app:backup}. */
  public static Optional<SubjectMatcher> parse(String text) {
    int colon = text.indexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      return Optional.empty();
    }
    String name = text.substring(colon + 1);
    return switch (text.substring(0, colon)) {
      case "user" ->
          Optional.of(new SubjectMatcher(Kind.USER, name.toLowerCase(java.util.Locale.ROOT)));
      case "group" -> Optional.of(new SubjectMatcher(Kind.GROUP, name));
      case "app" -> Optional.of(new SubjectMatcher(Kind.APP, name));
      default -> Optional.empty();
    };
  }

  /** Whether the subject is this user, in this group, or this application. */
  public boolean matches(Subject subject) {
    return switch (kind) {
      case USER -> subject.kind() == Subject.Kind.USER && subject.name().equals(name);
      case APP -> subject.kind() == Subject.Kind.APPLICATION && subject.name().equals(name);
      case GROUP -> subject.groups().contains(name);
    };
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + name;
  }
}
