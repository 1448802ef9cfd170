from . import psd2_connect_wizard
from . import psd2_statement_import
from . import psd2_backfill_wizard
from . import psd2_reconcile_wizard
