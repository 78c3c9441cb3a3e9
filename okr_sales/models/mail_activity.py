from odoo import models


class MailActivity(models.Model):
    _name = "mail.activity"
    _inherit = ["mail.activity", "okr.source.mixin"]
