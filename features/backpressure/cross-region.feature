@backpressure
Feature: Cross-region backpressure
  A shard owner that runs out of budget must slow its callers in every region before their retries turn
  into a thundering herd. The owner refuses what it cannot serve and says so in its gossip; the global
  leader records the episode; the ingress of other regions sheds calls for it early, telling clients
  when to come back; and once the load stops, everything clears.

  @severity:critical @exclusive
  @catches:pressure-not-propagated @catches:pressure-label-omits-node-budget
  @requires:feature:mesh-backpressure @requires:feature:mesh-entities
  Scenario: BackpressurePropagation_CrossRegion
    Given the "GlobalLeaderWithTwoRegions" topology is running with a node budget of 10 calls per second
    And within 30 seconds every node sees every other node Alive with its declared role and region
    And within 15 seconds every node routes by the same shard map
    When 30 clients write to a shard owned in "west" through "east" for at most 60 seconds
    Then within 20 seconds the shard owner's backpressure counters rise
    And within 10 seconds the global leader records pressure on the shard owner
    And within 10 seconds the clients are throttled by their own region's ingress
    When at least 100 more calls have been acknowledged within 30 seconds
    And the clients stop
    Then the clients were throttled before any call timed out
    And once throttled, the clients sent fewer than 60 tries per second
    And within 15 seconds the pressure has cleared everywhere
