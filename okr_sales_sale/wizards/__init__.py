from . import okr_breakdown_line
