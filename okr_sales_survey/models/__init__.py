from . import okr_key_result
from . import survey_user_input
