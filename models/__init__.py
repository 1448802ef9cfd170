from . import res_company
from . import res_config_settings
from . import psd2_bank_connection
from . import psd2_bank_account
from . import psd2_sync_log
from . import account_journal
from . import account_bank_statement_line
