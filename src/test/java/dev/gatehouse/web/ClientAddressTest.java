package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.kernel.Cidr;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** SECURITY.md §1: X-Forwarded-For only from configured proxies. */
class ClientAddressTest {
  private final ClientAddress resolver =
      new ClientAddress(
          List.of(
              Cidr.parse("127.0.0.1/32").orElseThrow(), Cidr.parse("10.0.0.0/8").orElseThrow()));

  @Test
  void forwardedForFromAnUntrustedPeerIsIgnored() {
    assertThat(resolver.resolve("203.0.113.9", Optional.of("198.51.100.1")))
        .isEqualTo("203.0.113.9");
  }

  @Test
  void theRightmostUntrustedHopIsTheClient() {
    assertThat(resolver.resolve("127.0.0.1", Optional.of("198.51.100.1")))
        .isEqualTo("198.51.100.1");
    // A client cannot hide behind a forged left-most entry: the hop added by our proxy wins.
    assertThat(resolver.resolve("127.0.0.1", Optional.of("1.2.3.4, 198.51.100.1, 10.1.2.3")))
        .isEqualTo("198.51.100.1");
  }

  @Test
  void garbageInATrustedChainMakesTheClientUnknownNotTheProxy() {
    for (String chain :
        List.of("evil.example.com", "198.51.100.1, unknown", "a", "999.1.1.1", "::ffff:zz")) {
      assertThat(resolver.resolve("127.0.0.1", Optional.of(chain)))
          .as(chain)
          .isEqualTo(ClientAddress.UNKNOWN);
    }
  }

  @Test
  void withoutTheHeaderThePeerIsTheClient() {
    assertThat(resolver.resolve("10.2.3.4", Optional.empty())).isEqualTo("10.2.3.4");
  }
}
