"""``odoo-bin psd2_rotate_secrets -d <database>``: re-encrypt bank secrets with the new key.

Key rotation: put a new key first in ``account_bank_psd2_secret_keys`` (keep the old one after
it), run this command, then remove the old key. It prints how many secrets were re-encrypted
and which could not be opened (those are left untouched), never a secret.
"""

import sys

import odoo
from odoo.cli.command import Command


class Psd2RotateSecrets(Command):
    """Re-encrypt the bank feed secrets of a database with the current key."""

    name = "psd2_rotate_secrets"

    def run(self, args):
        odoo.tools.config.parse_config(args, setup_logging=True)
        database = odoo.tools.config["db_name"]
        if not database or "," in database:
            sys.exit("Give one database with -d <database>.")
        registry = odoo.modules.registry.Registry(database)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            rotated, failed = env["psd2.secret.vault"]._psd2_rotate_all()
        sys.stdout.write(f"{rotated} secrets re-encrypted with the current key.\n")
        for problem in failed:
            sys.stdout.write(f"Left as it was: {problem}\n")
        sys.exit(1 if failed else 0)
