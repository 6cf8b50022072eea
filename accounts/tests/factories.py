import factory

from accounts.models import User

TEST_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A customer by default; ``agent=True`` or ``admin=True`` for staff."""

    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@customer.example")
    full_name = factory.Faker("name")
    role = User.Role.CUSTOMER
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    class Params:
        agent = factory.Trait(
            role=User.Role.AGENT,
            email=factory.Sequence(lambda n: f"agent{n}@helpdesk.example"),
        )
        admin = factory.Trait(
            role=User.Role.ADMIN,
            email=factory.Sequence(lambda n: f"admin{n}@helpdesk.example"),
        )
        inactive = factory.Trait(is_active=False)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])
