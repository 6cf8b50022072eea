"""The notifications app's part of the JSON API, for admins: email templates,
automation rules and the email log. One module per subject."""

from ninja import Router

from . import emails, rules, templates

router = Router()
router.add_router("", templates.router)
router.add_router("", rules.router)
router.add_router("", emails.router)
