@shards
Feature: Shard handover under load
  An operator moves a shard while 200 clients call it. The old owner lets its in-flight calls finish,
  hands its state to the new owner and passes on calls that arrive meanwhile: no call fails, and every
  key still reads what was last written. (The tight figure, p99 under 500 ms, is measured by npm run bench.)

  @severity:critical
  @catches:drop-inflight-on-move @catches:stale-shard-map @catches:held-calls-refused-after-handover @catches:shard-map-ignores-others-moves
  @requires:feature:mesh-entities @requires:feature:mesh-rebalance
  Scenario: ShardHandover_UnderLoadNoCallFails
    Given the "ShardRing" topology is running
    And within 15 seconds every node routes by the same shard map
    When 200 clients replay the "handover" traffic through every node for at most 60 seconds
    And at least 1000 calls have been acknowledged within 30 seconds
    And an operator moves shard-07 to another of its replicas
    Then within 10 seconds every node routes shard-07 to its new owner
    And at least 1000 more calls have been acknowledged within 30 seconds
    When the clients stop
    Then every call on shard-07 succeeded
    And the handover took less than 5 seconds
    And the key-value history of shard-07 is linearizable
