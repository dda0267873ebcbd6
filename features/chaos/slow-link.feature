@chaos
Feature: Gossip across a slow link between regions
  Regions far apart are joined by links slower than one gossip round. Gossip must still complete its
  exchanges across such a link, so that the round trip each node reports for its peers (contract §5
  `rttMs`) shows the delay an operator is looking for, and falls back once the link is fast again. A node that gives up on a peer after one round keeps reporting the last fast
  round trip it measured, and the slow link never shows.

  @severity:normal
  @catches:gossip-timeout-is-round
  Scenario: SlowLink_GossipRoundTripsShowTheDelay
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 30 seconds every node sees every other node Alive with its declared role and region
    When these faults start:
      | fault                  | target                    | start | duration   |
      | latency 300 ms ± 50 ms | region east ↔ region west | 0 s   | 20 seconds |
    Then within 15 seconds every gossip round trip measured between "east" and "west" is over 400 ms
    When the faults have healed
    Then within 15 seconds every gossip round trip measured between "east" and "west" is under 100 ms
    And within 15 seconds every node sees every other node Alive with its declared role and region
