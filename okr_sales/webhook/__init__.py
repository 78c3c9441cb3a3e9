"""Webhooks: what okr_sales sends out, without Odoo's models.

``events`` names the event types and takes a transaction's notes for the
outbox, ``signature`` signs a delivery and verifies it (also for receivers
written in Python), ``url`` says whether an endpoint may be called,
``payload`` builds the versioned JSON body (the chat sentence is the key
result's, ``_okr_webhook_sentence``), ``sender`` posts one delivery with
``requests`` and says when to try again. The models (``okr.webhook``,
``okr.webhook.event``, ``okr.webhook.delivery``) hold the outbox and the
delivery log.
"""
