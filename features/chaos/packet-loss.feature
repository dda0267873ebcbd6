@chaos
Feature: Packet loss between regions
  Calls that cross a lossy link between regions sometimes time out on their way to the global leader.
  The node that forwarded them must answer with a retryable status (contract §2), so that clients
  retrying as the contract allows still get through, and without retries piling up into a herd.

  @severity:critical
  @catches:forward-error-not-retryable
  @requires:feature:mesh-sequence
  Scenario: PacketLoss_RetryableStatusesLetClientsThrough
    Given the "GlobalLeaderWithTwoRegions" topology is running with timers:
      | forwardTimeoutMs | 300 |
    And within 30 seconds every node reports the same global leader
    When 20 clients replay the "global-echo" traffic through every node, with up to 5 attempts per call, for at most 60 seconds
    And at least 200 calls have been acknowledged within 30 seconds
    And 20% of the packets between these groups are lost for 10 seconds:
      | group | members       |
      | west  | region west   |
      | rest  | everyone else |
    And the partition has healed
    And the clients stop
    Then at least 99% of the "global::echo" calls succeeded
    And the clients retried fewer than 50% of their calls
