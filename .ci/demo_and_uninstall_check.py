# Run inside "odoo shell" by .ci/odoo-tests on a database installed with demo data.
# Prints "DEMO OK ..." and "UNINSTALL OK" on success; anything else is a failure.
# pylint: disable=print-used
connection = env["psd2.bank.connection"].search([], limit=1)  # noqa: F821
assert connection, "demo data did not connect the Sandbox Bank"
assert connection.state == "active", connection.last_error
lines = env["account.bank.statement.line"].search_count(  # noqa: F821
    [("psd2_dedup_key", "!=", False)]
)
assert lines > 0, "the demo's first sync imported nothing"
print(f"DEMO OK connection={connection.name} lines={lines}")

module = env["ir.module.module"].search([("name", "=", "account_bank_psd2")])  # noqa: F821
module.button_immediate_uninstall()
env.cr.execute(  # noqa: F821
    "SELECT to_regclass('psd2_bank_connection'), to_regclass('psd2_sync_log'),"
    " (SELECT count(*) FROM information_schema.columns"
    "   WHERE table_name = 'account_bank_statement_line' AND column_name LIKE 'psd2%')"
)
connection_table, log_table, columns = env.cr.fetchone()  # noqa: F821
assert connection_table is None and log_table is None, "tables left behind"
assert columns == 0, "columns left on account_bank_statement_line"
env.cr.execute("SELECT count(*) FROM ir_model_data WHERE module = 'account_bank_psd2'")  # noqa: F821
assert env.cr.fetchone()[0] == 0, "XML ids left behind"  # noqa: F821
print("UNINSTALL OK")
