from . import okr_period_close
from . import okr_period_close_line
from . import okr_breakdown_line
