@bootstrap
Feature: Global cluster bootstrap
  A freshly started multi-region cluster establishes exactly the leadership its topology declares,
  every node learns every other node through gossip over mTLS, and every node serves RPCs itself.
  The default topology is GlobalLeaderWithTwoRegions; OMNIRELAY_HYPERSCALE_TOPOLOGY puts another
  shape through the same checks.

  @smoke @severity:critical
  @catches:eligibility-inverted @catches:gossip-silent @catches:misroute-rpc
  @requires:feature:mesh-roles @requires:feature:mesh-regional-leaders
  Scenario: GlobalClusterBootstrap_DefaultTopology
    Given the default topology is running
    Then every node is ready
    And within 20 seconds every node reports one global leader and one leader per region, the same in every view
    And every leader was declared eligible for its scope
    And within 20 seconds every node sees every other node Alive with its declared role and region
    And every node answers an "echo" call itself
