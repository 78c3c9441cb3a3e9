from . import test_demo_data
from . import test_survey_definition
from . import test_survey_invite
from . import test_survey_key_results
from . import test_survey_security
from . import test_answer_guards
