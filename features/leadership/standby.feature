@leadership
Feature: Regional standbys defer to a live global node
  A regional leader stands by for global-control behind the dedicated global node. When the dedicated
  node loses its lease but lives (here: cut off from every etcd member while every node still sees it
  Alive), a standby waits the standby deferral (the lease TTL, 3 s) after the vacancy before it takes
  over, so the dedicated node keeps its head start. Only a dead dedicated node (Suspect in gossip) is
  replaced at once. A standby may see the vacancy up to 1.5 s before etcd deletes the key (etcd reports
  a lease's time to live in whole seconds), so a deferring standby takes over 1.5 s or more after the
  lease ended; one that does not defer takes over within half a second.

  @severity:critical
  @catches:standby-never-defers
  @requires:feature:mesh-regional-leaders
  Scenario: GlobalNodeCutFromEtcd_StandbysDeferWhileItLives
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 20 seconds every node reports one global leader and one leader per region, the same in every view
    When the network is split for 10 seconds:
      | group  | members                           |
      | global | the global leader                 |
      | etcd   | etcd-global, etcd-east, etcd-west |
    Then within 5 seconds every node sees every other node Alive with its declared role and region
    And within 10 seconds a new global leader is elected
    When the faults have healed
    Then within 20 seconds every node reports one global leader and one leader per region, the same in every view
    And no other node took global-control from the dedicated global node sooner than 1 second after it fell vacant
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
