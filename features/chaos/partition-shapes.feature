@chaos
Feature: One-way and bridge partitions
  Not every partition is a clean split. When the global leader can still be reached but cannot reach
  out, or when the cluster is held together by one bridge node while the leader's side has lost the etcd
  majority, the leader must step down, exactly one node must lead each scope, and once the network
  heals every node must agree on the leader and see every node Alive.

  @severity:critical
  @catches:no-step-down @catches:campaign-once
  Scenario: OneWayPartition_OneLeaderAndConvergedViews
    Given the "ShardRing" topology is running
    And within 20 seconds every node reports the same global leader
    When connections are cut one way for 10 seconds:
      | group | members           |
      | from  | the global leader |
      | to    | everyone else     |
    Then within 10 seconds a new global leader is elected
    When the partition has healed
    Then within 20 seconds every node reports the same global leader
    And within 20 seconds every node sees every other node Alive with its declared role and region
    And no scope ever had two leaders
    And terms and fence tokens only ever increased

  @severity:critical
  @catches:no-step-down @catches:slow-campaign
  Scenario: BridgePartition_OneLeaderAndConvergedViews
    Given the "ShardRing" topology is running
    And within 20 seconds every node reports the same global leader
    When the network is bridged for 10 seconds:
      | group  | members                        |
      | leader | the global leader, etcd-ring-1 |
      | bridge | one other node                 |
      | rest   | everyone else                  |
    Then within 10 seconds a new global leader is elected
    When the partition has healed
    Then within 20 seconds every node reports the same global leader
    And within 20 seconds every node sees every other node Alive with its declared role and region
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
