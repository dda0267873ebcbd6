@authoring
Feature: Rolling restart of a region under key-value load
  An operator's drill, written from the catalog alone: every node of region east is restarted
  gracefully, one at a time, while clients placed in region west keep writing at a steady rate. Each
  node drains and hands its shards over before it stops, so a final read of every key finds every
  acknowledged write, and every node sees every other Alive again before the next one goes down.

  @severity:critical
  @catches:drain-hands-over-early-snapshot
  @requires:feature:mesh-entities @requires:feature:mesh-replicas
  Scenario: RollingRestart_RegionUnderLoadLosesNoWrite
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 15 seconds every node routes by the same shard map
    When 32 clients at 300 calls per second replay the "kv-write-once" traffic from region "west" for at most 120 seconds
    And at least 1000 calls have been acknowledged within 30 seconds
    And the nodes of region "east" are restarted gracefully one at a time, each back and every view converged within 30 seconds before the next
    And the clients stop
    Then no acknowledged key-value write was lost
    And no scope ever had two leaders
