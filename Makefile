# The two commands of README.md: `make demo` and `make test`.
PYTHON ?= python3
export PYTHON

.PHONY: test test-engine test-odoo lint format package demo fault-report

test: lint test-engine package test-odoo

test-engine:
	$(PYTHON) -m pytest -q -c engine_tests/pytest.ini engine_tests

test-odoo:
	.ci/odoo-tests

# ruff, pylint-odoo, oca-checks-odoo-module, oca-checks-po, prettier: see .ci/lint.
lint:
	.ci/lint

# Apply the fixes the linters offer (ruff, prettier, oca-checks-odoo-module).
format:
	.ci/lint --fix

# Build the wheel (OCA's whool backend) and check it installs as odoo-addon-account_bank_psd2.
package:
	.ci/wheel

demo:
	.ci/demo

# Fault-injection figures per provider (the scenarios of engine_tests/test_fault_injection.py).
fault-report:
	$(PYTHON) bench/fault_report.py
