package dev.gatehouse.kernel;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code ::1/128}); a bare address
 * means a single host. Parsing accepts only numeric addresses, never host names (no DNS lookups).
 * Immutable and thread-safe.
 */
public final class Cidr {
  private final byte[] network;
  private final int prefixLength;
  private final String text;

  private Cidr(byte[] network, int prefixLength, String text) {
    this.network = network;
    this.prefixLength = prefixLength;
    this.text = text;
  }

  /** Parses {@code text}; empty when it is not a numeric address with an optional valid prefix. */
  public static Optional<Cidr> parse(String text) {
    String trimmed = text.strip();
    int slash = trimmed.indexOf('/');
    String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
    Optional<InetAddress> parsed = parseNumericAddress(address);
    if (parsed.isEmpty()) {
      return Optional.empty();
    }
    byte[] bytes = parsed.get().getAddress();
    int max = bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String digits = trimmed.substring(slash + 1);
      if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit)) {
        return Optional.empty();
      }
      prefix = Integer.parseInt(digits);
      if (prefix > max) {
        return Optional.empty();
      }
    }
    return Optional.of(new Cidr(mask(bytes, prefix), prefix, trimmed));
  }

  /**
   * Parses a numeric IPv4 or IPv6 address without ever resolving a name: a string that is not made
   * only of hex digits, dots and colons is refused before {@link InetAddress} sees it.
   */
  public static Optional<InetAddress> parseNumericAddress(String address) {
    String plain =
        address.startsWith("[") && address.endsWith("]")
            ? address.substring(1, address.length() - 1)
            : address;
    if (plain.isEmpty() || plain.length() > 45) {
      return Optional.empty();
    }
    boolean ipv6 = plain.indexOf(':') >= 0;
    int dots = 0;
    for (int i = 0; i < plain.length(); i++) {
      char c = plain.charAt(i);
      boolean ok = Character.digit(c, 16) >= 0 || c == '.' || c == ':';
      if (!ok || (!ipv6 && !(Character.isDigit(c) || c == '.'))) {
        return Optional.empty();
      }
      dots += c == '.' ? 1 : 0;
    }
    if (!ipv6 && dots != 3) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(plain));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code address} lies inside this network. */
  public boolean contains(InetAddress address) {
    byte[] candidate = address.getAddress();
    if (candidate.length != network.length) {
      return false;
    }
    return java.util.Arrays.equals(mask(candidate, prefixLength), network);
  }

  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] out = bytes.clone();
    for (int i = 0; i < out.length; i++) {
      int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] = (byte) (out[i] & (0xff << (8 - bitsHere)));
    }
    return out;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Cidr that
        && prefixLength == that.prefixLength
        && java.util.Arrays.equals(network, that.network);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(network) * 31 + prefixLength;
  }

  @Override
  public String toString() {
    return text;
  }
}
