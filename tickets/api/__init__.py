"""The tickets app's part of the JSON API, one module per subject."""

from ninja import Router

from . import catalog, messages, satisfaction, tickets

router = Router()
router.add_router("", tickets.router)
router.add_router("", messages.router)
router.add_router("", catalog.router)
router.add_router("", satisfaction.router)
