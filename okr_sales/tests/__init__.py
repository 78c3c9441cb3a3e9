from . import test_progress_engine
from . import test_key_result_progress
from . import test_objective
from . import test_checkin
from . import test_constraints
from . import test_security
from . import test_demo_data
