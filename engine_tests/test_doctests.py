"""Run the example-style docstrings of the engine modules as tests.

pytest cannot collect them with --doctest-modules here (it would import the addon root), so
each module is handed to :mod:`doctest` explicitly.
"""

import doctest
import importlib

import pytest

MODULES = (
    "engine.accounts",
    "engine.alerts",
    "engine.budget",
    "engine.crypto",
    "engine.dedup",
    "engine.i18n",
    "engine.identifiers",
    "engine.jwt",
    "engine.reconcile",
    "engine.records",
    "engine.schedule",
    "engine.sync",
    "engine.webhooks",
)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_hold(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{module_name} lost its examples"
    assert result.failed == 0
