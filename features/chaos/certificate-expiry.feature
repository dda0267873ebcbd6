@chaos
Feature: Certificate expiry
  Every node's gossip runs over mutual TLS with a certificate from the cluster's CA. A node whose
  certificate has expired must be refused by its peers, so that it falls out of their views (Suspect,
  then Left) while nobody else is affected, and it must rejoin once it holds a valid certificate again.
  That holds for a certificate swapped in already expired, and for one that runs out while the node
  cannot reach its CA to renew it.

  @severity:critical
  @catches:accept-expired-certificates
  @requires:feature:mesh-cert-renewal
  Scenario: CertificateExpiry_NodeRefusedThenRejoins
    Given the "ShardRing" topology is running
    And within 20 seconds every node sees every other node Alive with its declared role and region
    When the certificate of "ring-3" is replaced by an expired one for 10 seconds
    Then within 8 seconds every other node sees "ring-3" Left, and each other Alive
    When the certificate fault has healed
    Then within 30 seconds every node sees every other node Alive with its declared role and region
    And no scope ever had two leaders

  @severity:critical
  @catches:accept-expired-certificates @catches:expiry-checked-only-at-handshake
  @requires:feature:mesh-cert-renewal
  Scenario: CertificateRunsOut_WhileTheCaIsOutOfReach
    Given the "ShardRing" topology is running
    And within 20 seconds every node sees every other node Alive with its declared role and region
    When "ring-2" gets a certificate expiring in 5 seconds and cannot renew it for 16 seconds
    Then within 14 seconds every other node sees "ring-2" Left, and each other Alive
    When the certificate fault has healed
    Then within 30 seconds every node sees every other node Alive with its declared role and region
    And no scope ever had two leaders
