"""Pure-Python core of account_bank_psd2.

Nothing below this package imports Odoo: it is imported as ``engine`` by pytest and the
command-line tools (run from the repository root), and as
``odoo.addons.account_bank_psd2.engine`` inside Odoo. Every import inside it is therefore
relative. The Odoo layer translates records to and from the plain objects defined here.
"""
