"""The examples in the docstrings of the provider-side engine modules stay true."""

import doctest

import pytest

from engine import accounts, budget, jwt


@pytest.mark.parametrize("module", [accounts, budget, jwt], ids=lambda m: m.__name__)
def test_docstring_examples_hold(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
