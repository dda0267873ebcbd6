@telemetry
Feature: Telemetry of leadership and shard changes
  The people who run the fabric alert on what it exports. A failover of the global leader must show up
  as spans (the leadership transition, the failover, the shard moves it causes) at the trace receiver,
  and as metrics a scrape can alert on; and a node that restarts must not make its counters lie to a
  scraper: a counter may only fall where the node's start time says it restarted.

  @severity:critical
  @catches:hidden-counter-reset @catches:start-time-reads-boot-time
  @requires:feature:mesh-shard-telemetry
  Scenario: Telemetry_LeadershipAndShardSignals
    Given the "ShardRing" topology is running
    And within 20 seconds every node reports the same global leader
    And the metrics of every node are scraped every 500 ms
    When the global leader crashes
    Then within 15 seconds a new global leader is elected
    And within 20 seconds the trace receiver holds these spans:
      | span                       | attribute            | value                      |
      | mesh.leadership.transition | mesh.leader          | the global leader          |
      | mesh.failover              | mesh.new_leader      | the global leader          |
      | mesh.failover              | mesh.previous_leader | the previous global leader |
      | mesh.shard.move            | mesh.reason          | failover                   |
    And the global leader's metrics show mesh_shard_moves_total of at least 1 where:
      | label       | value    |
      | mesh_reason | failover |
    When the stopped nodes are restarted and ready within 30 seconds
    Then within 10 seconds every counter has only risen, with restarts told apart by their start time
