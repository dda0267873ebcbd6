@chaos
Feature: Regional degrade and geo fallback
  Clients homed in a region are served there while it is healthy. When that region's network degrades
  (high latency and some packet loss on every path into it), the mesh must send their calls to the
  nearest healthy region within a bound, say so in its routing metrics exactly as the clients saw it,
  and move the clients back home once the region has healed.

  @severity:critical
  @catches:geo-ignores-latency @catches:geo-latency-averages-all-samples
  @requires:feature:mesh-geo-affinity
  Scenario: RegionalDegrade_GeoFallback
    Given the "GlobalLeaderWithTwoRegions" topology is running
    And within 30 seconds every node sees every other node Alive with its declared role and region
    When 8 geo-affinity clients homed in "west" call through "east" for at most 90 seconds
    Then within 10 seconds the geo-affinity clients are served in "west"
    When these faults start:
      | fault           | target                             | start | duration   |
      | latency 400 ms  | region west                        | 0 s   | 12 seconds |
      | packet loss 5%  | region west / the fault proxy      | 0 s   | 12 seconds |
    Then within 10 seconds the geo-affinity clients are served in "east"
    When the faults have healed
    Then within 15 seconds the geo-affinity clients are served in "west"
    When the clients stop
    Then the routing metrics agree with what the geo-affinity clients saw
