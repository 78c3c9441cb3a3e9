"""Webhooks: what okr_sales sends out, without Odoo's models.

``events`` names the event types and takes a transaction's notes for the
outbox, ``signature`` signs a delivery and verifies it (also for receivers
written in Python), ``url`` says whether an endpoint may be called and at
which addresses, ``payload`` builds the versioned JSON body and escapes
names for a chat (the chat sentence is the key result's,
``_okr_webhook_sentence``), ``sender`` posts one delivery to a checked
address within a deadline and says when to try again. The models
(``okr.webhook``, ``okr.webhook.event``, ``okr.webhook.delivery``) hold the
outbox and the delivery log.
"""
