# Written by npm run bdd:random on 2026-12-06. fast-check path 2:0:0:0:0:0.
# The case before shrinking:
#   | fault           | target                            | start | duration   |
#   | one-way cut     | the global leader / everyone else | 1 s   | 5 seconds  |
#   | packet loss 20% | the global leader / everyone else | 10 s  | 11 seconds |
@found
Feature: Found_LeaderWithoutQuorum_Seed1408393637
  Found by random fault schedules (`npm run bdd:random -- --seed 1408393637 --runs 10 --topology ShardRing --defect leader-without-quorum`) with relay-node seeded with leader-without-quorum:
  the case failed at "And no scope ever had two leaders" and was shrunk (5 smaller failing case(s) of 5 tried)
  to the one below, which failed at "And no scope ever had two leaders". Before shrinking: counter, 4 clients, 2 faults over 21 s: one-way cut, packet loss 20%.

  @severity:critical
  @catches:leader-without-quorum
  @requires:feature:mesh-entities
  Scenario: Found_LeaderWithoutQuorum_Seed1408393637
    Given the "ShardRing" topology is running
    And within 20 seconds every node reports the same global leader
    And within 15 seconds every node routes by the same shard map
    When 2 clients at 50 calls per second replay the "kv-write-once" traffic through every node for at most 120 seconds
    And at least 120 calls have been acknowledged within 30 seconds
    And these faults run, overlapping, until all have healed:
      | fault       | target                            | start | duration  |
      | one-way cut | the global leader / everyone else | 0 s   | 3 seconds |
    And the clients stop
    Then within 30 seconds every node reports the same global leader
    And within 30 seconds every node routes by the same shard map
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
    And no acknowledged key-value write was lost
