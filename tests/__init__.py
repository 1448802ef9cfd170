from . import test_install
from . import test_sync
from . import test_schedule
from . import test_balance_access
from . import test_connect_wizard
from . import test_consent_flow
from . import test_consent_lifecycle
from . import test_file_import
