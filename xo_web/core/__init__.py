"""The pure core: ports, storage keys, configuration, the user, consent and the Tracker."""
