@leadership
Feature: Leader crash
  When the node holding the global lease dies without warning, its lease expires in etcd and another
  eligible node takes over within the election window, with a higher term and fence token. The crash
  has a window, as a crash row of a fault schedule has: the node is restarted when it ends.

  @severity:critical
  @catches:slow-campaign @catches:campaign-once
  Scenario: LeaderCrash_NewLeaderWithinElectionWindow
    Given the "ShardRing" topology is running
    And within 20 seconds every node reports the same global leader
    When the global leader crashes for 8 seconds
    Then within 10 seconds a new global leader is elected
    When the faults have healed
    Then within 20 seconds every node reports the same global leader
    And no scope ever had two leaders
    And terms and fence tokens only ever increased
    And every election completed within the election window
