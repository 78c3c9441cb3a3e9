from . import test_breakdown
from . import test_demo_data
from . import test_order_key_results
from . import test_random_consistency
from . import test_statement_budget
