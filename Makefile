# The two commands of README.md: `make demo` and `make test`.
PYTHON ?= python3

.PHONY: test test-engine test-odoo lint demo fault-report

test: lint test-engine test-odoo

test-engine:
	$(PYTHON) -m pytest -q -c engine_tests/pytest.ini engine_tests

test-odoo:
	.ci/odoo-tests

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

demo:
	.ci/demo

# Fault-injection figures per provider (the scenarios of engine_tests/test_fault_injection.py).
fault-report:
	$(PYTHON) bench/fault_report.py
