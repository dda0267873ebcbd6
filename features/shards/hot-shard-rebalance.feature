@shards
Feature: Hot shard rebalance
  A shard that receives more calls than its budget is moved by the global leader to a cooler replica
  while clients keep calling it. Calls already running finish where they started, every node follows
  the new shard map, and clients that choose nodes by fewest pending calls steer around the hot node.
  The slow calls outlast the move's deadline, so they are in flight when it happens whenever it comes;
  the check fails if none was (a move after the calls ended would test nothing).

  @severity:critical @exclusive
  @catches:stale-shard-map @catches:drop-inflight-on-move @catches:shard-map-ignores-others-moves
  @requires:feature:mesh-entities @requires:feature:mesh-replicas @requires:feature:mesh-rebalance
  Scenario: HotShardRebalance
    Given the "ShardRing" topology is running with a shard budget of 40 calls per second
    And within 15 seconds every node routes by the same shard map
    When 3 slow calls of 12 seconds start on shard-42
    And 16 clients replay the "hot-shard" traffic routed to shard owners for at most 60 seconds
    And shard-42 is hot on its owner
    Then within 8 seconds shard-42 has moved from its original owner to one of its replicas
    And within 10 seconds every node routes shard-42 to its new owner
    And the slow calls on shard-42 all completed on its original owner
    And while shard-42 was hot on its original owner, the fewest-pending chooser sent it less than an even share of calls
    When the clients stop
    Then the shard map diff records every move
