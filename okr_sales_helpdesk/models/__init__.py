from . import res_company
from . import res_config_settings
from . import helpdesk_ticket_team
from . import helpdesk_ticket
from . import rating_rating
from . import mail_message
from . import okr_key_result
from . import helpdesk_ticket_demo
