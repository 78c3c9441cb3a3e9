from . import okr_objective
from . import okr_key_result
from . import okr_checkin
