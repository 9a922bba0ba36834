package dev.vertdesk.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

class ClientNetworkTest {

  @Test
  void ipv4AddressesShareTheirSlash24() {
    assertEquals(ClientNetwork.of("203.0.113.7"), ClientNetwork.of("203.0.113.250"));
    assertNotEquals(ClientNetwork.of("203.0.113.7"), ClientNetwork.of("203.0.114.7"));
    assertEquals(ClientNetwork.of("203.0.113.7"), ClientNetwork.of("::ffff:203.0.113.9"), "IPv4-mapped is IPv4");
  }

  @Test
  void ipv6AddressesShareTheirSlash48() {
    assertEquals(ClientNetwork.of("2001:db8:1:0:0:0:0:1"), ClientNetwork.of("2001:db8:1:ffff::2"));
    assertNotEquals(ClientNetwork.of("2001:db8:1::1"), ClientNetwork.of("2001:db8:2::1"));
  }

  @Test
  void theNodeItselfAndOddTextHaveKeysOfTheirOwn() {
    assertEquals(ClientNetwork.NODE, ClientNetwork.of(null));
    assertEquals(ClientNetwork.NODE, ClientNetwork.of(""));
    assertEquals("not:an:address!", ClientNetwork.of("not:an:address!"));
  }
}
