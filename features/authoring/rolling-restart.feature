@authoring
Feature: Rolling restart of a region under load
  An operator's drill, written from the catalog alone: every node of a region is restarted gracefully,
  one at a time, while clients keep writing. Each node drains and hands its shards over before it stops,
  so no acknowledged write is lost, and every node sees every other Alive again before the next one goes
  down.

  @severity:critical
  @catches:drain-hands-over-early-snapshot
  @requires:feature:mesh-entities @requires:feature:mesh-replicas
  Scenario: RollingRestart_RegionUnderLoadLosesNoWrite
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    When 8 clients replay the "set-adds" traffic through every node for at most 120 seconds
    And at least 100 calls have been acknowledged within 30 seconds
    And the nodes of region "ring" are restarted gracefully one at a time, each back and every view converged within 30 seconds before the next
    And the clients stop
    Then no acknowledged add to a set was lost
    And no scope ever had two leaders
