@leadership
Feature: Elections under different timer settings
  Operators tune the lease TTL and the election interval per deployment: shorter for faster failover,
  longer for fewer etcd writes. Whatever the settings, a crashed leader's scope must have a new holder
  within the window those settings promise: the rest of its lease, one election interval, and a little
  slack for the busy machine. A setting the node ignores or overrides shows only at the settings it
  breaks, so the same proof runs at each of them.

  @severity:critical
  @catches:slow-campaign
  Scenario Outline: ElectionTimers_CrashedLeaderReplacedWithinWindow_Ttl<leaseTtlMs>ms_Interval<electionIntervalMs>ms
    Given the "ShardRing" topology is running with timers:
      | leaseTtlMs         | <leaseTtlMs>         |
      | electionIntervalMs | <electionIntervalMs> |
    And within 20 seconds every node reports the same global leader
    When the global leader crashes for 12 seconds
    Then within <window> of the leader going down, a new global leader is elected
    When the faults have healed
    Then within 20 seconds every node reports the same global leader
    And no scope ever had two leaders
    And terms and fence tokens only ever increased

    @catches:lease-ttl-floor
    Examples: settings shorter than relay-node's defaults
      | leaseTtlMs | electionIntervalMs | window    |
      | 2000       | 100                | 4 seconds |
      | 3000       | 500                | 5 seconds |

    Examples: settings longer than the suite's usual ones
      | leaseTtlMs | electionIntervalMs | window    |
      | 6000       | 1000               | 9 seconds |
