"""The knowledge base's API: articles and categories, and the chatbot."""

from ninja import Router

from . import articles, chat

router = Router()
router.add_router("", articles.router)
router.add_router("", chat.router)
