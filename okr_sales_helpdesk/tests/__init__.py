from . import test_ticket_key_results
from . import test_ratings
from . import test_definition_errors
from . import test_rights
from . import test_random_consistency
from . import test_demo_data
from . import test_merge_and_company
from . import test_breakdown
