from . import okr_key_result
from . import sale_order
from . import sale_order_line
from . import account_move
from . import crm_lead
