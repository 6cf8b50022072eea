"""The admin site's rule for pages that write through services."""

from django.contrib import admin

from helpdesk.admin_site import ServiceAdminMixin


def test_every_admin_that_saves_or_deletes_through_code_joins_one_transaction():
    """A ``ModelAdmin`` with its own ``save_model`` or ``delete_model`` (they
    call services, which open :func:`helpdesk.db.atomic`) must take
    ``ServiceAdminMixin``: under Django's ``transaction.atomic``, which the
    plain admin wraps its forms in, such a save answered 500 on MongoDB."""
    own_writes = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if (
            type(model_admin).save_model is not admin.ModelAdmin.save_model
            or type(model_admin).delete_model is not admin.ModelAdmin.delete_model
        )
        and not isinstance(model_admin, ServiceAdminMixin)
    ]
    assert own_writes == []
