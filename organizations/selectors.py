from collections.abc import Iterable

from django.db.models import Model

from accounts.models import User

from .models import Department, Organization, Team


def organization_for_email(email: str) -> Organization | None:
    """The organization whose email domains include this address's domain."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    if not domain:
        return None
    return Organization.objects.filter(domains__domain=domain).first()


SUGGESTIONS = 20


def organization_names_matching(text: str) -> list[str]:
    """The names of at most ``SUGGESTIONS`` organizations whose name contains
    ``text`` (any case), by name; none for fewer than two characters."""
    text = text.strip()
    if len(text) < 2:
        return []
    return list(
        Organization.objects.filter(name__icontains=text)
        .order_by("name")
        .values_list("name", flat=True)[:SUGGESTIONS]
    )


def department_list_with_agents() -> list[Department]:
    """Every department by name, each with ``agent_ids`` (text, name order)."""
    departments = list(Department.objects.order_by("name"))
    people_ids_attach(departments, Department.agents, "agent_ids")
    return departments


def team_list_with_members() -> list[Team]:
    """Every team by department and name, each with ``member_ids``."""
    teams = list(Team.objects.order_by("department", "name"))
    people_ids_attach(teams, Team.members, "member_ids")
    return teams


def people_ids_attach(rows: Iterable[Model], relation, attribute: str) -> None:
    """Set ``attribute`` on each row to the ids (text) of the people its
    many-to-many ``relation`` (``Department.agents``) links, in the people's
    own order (name, then email).

    Two plain queries whatever the number of rows: the link rows, then the
    people by id for their order. No ``prefetch_related`` across the
    many-to-many, whose joined extra column some databases (MongoDB) lack.
    """
    rows = list(rows)
    field = relation.rel.field
    through = field.remote_field.through
    own = field.m2m_field_name()
    other = field.m2m_reverse_field_name()
    linked: dict[object, list[object]] = {row.pk: [] for row in rows}
    if linked:
        links = through.objects.filter(**{f"{own}__in": list(linked)}).values_list(
            f"{own}_id", f"{other}_id"
        )
        for row_pk, person_pk in links:
            linked[row_pk].append(person_pk)
    people = {pk for pks in linked.values() for pk in pks}
    order = User.objects.filter(pk__in=people).values_list("pk", flat=True)
    rank = {pk: index for index, pk in enumerate(order if people else [])}
    for row in rows:
        ordered = sorted(linked[row.pk], key=lambda pk: rank.get(pk, len(rank)))
        setattr(row, attribute, [str(pk) for pk in ordered])
