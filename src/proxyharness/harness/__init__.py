"""The conformance harness: runs the catalog's scenarios against agents, judges from the wire.

It builds on the three independent parts below it, through their public names only:
:mod:`proxyharness.fixtures` (through its facade), :mod:`proxyharness.reference_client`
and :mod:`proxyharness.scenarios`. The top-level command line and pytest plugin build
on it; it never imports them. ``tests/test_layers.py`` keeps these arrows.
"""
