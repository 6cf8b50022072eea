"""Public holidays, with their names, from the ``holidays`` package.

Pure like ``tickets.business_time``: no Django, no database. The package is
imported lazily so only whoever builds calendars pays for its data.
"""

from collections.abc import Iterable
from datetime import date

__all__ = ["NAME_SEPARATOR", "holiday_language", "public_holidays"]

NAME_SEPARATOR = "; "
"""Joins the names of holidays that fall on one date ("Christmas Day;
Hanukkah"); the ``holidays`` package joins them the same way."""


def holiday_language(wanted: str | None, supported: Iterable[str]) -> str | None:
    """The best of a country's ``supported`` holiday-name languages for a
    Django-style language code ``wanted`` ("en", "en-us", "de"), or None for
    the country's own language.

    Tries the exact locale ("en_US"), then the bare language ("en"), then any
    regional variant of it ("en_US" for "en"). Language codes as in
    ``django.utils.translation.to_locale``; the package names languages the
    same way (``holidays.DE.supported_languages``).
    """
    if not wanted:
        return None
    supported = list(supported)
    language, _, region = wanted.replace("_", "-").partition("-")
    language = language.lower()
    exact = f"{language}_{region.upper()}" if region else language
    by_lower = {code.lower(): code for code in supported}
    for candidate in (exact, language):
        if candidate.lower() in by_lower:
            return by_lower[candidate.lower()]
    return next(
        (code for code in supported if code.lower().startswith(f"{language}_")), None
    )


def public_holidays(
    country: str,
    years: Iterable[int],
    subdivision: str | None = None,
    language: str | None = None,
) -> dict[date, str]:
    """A country's (and optionally a state's or province's) public holidays for
    ``years``: local date -> name, names of several holidays on one date joined
    with NAME_SEPARATOR.

    ``language`` is a Django-style code; names come in the closest language the
    package has for that country (``holiday_language``), else in the country's
    own (its ``default_language``). Raises ValueError for an unknown country
    or subdivision.
    """
    import holidays

    years = list(years)
    try:
        found = holidays.country_holidays(country, subdiv=subdivision, years=years)
        # Always name a language: without one the package picks by the
        # process locale (English source strings under LANG=C).
        chosen = (
            holiday_language(language, found.supported_languages)
            or found.default_language
        )
        if chosen:
            found = holidays.country_holidays(
                country, subdiv=subdivision, years=years, language=chosen
            )
    except NotImplementedError as error:
        raise ValueError(
            f"unknown holiday country or subdivision: {country!r}, "
            f"{subdivision!r} ({error})"
        ) from error
    return {
        day: NAME_SEPARATOR.join(dict.fromkeys(found.get_list(day)))
        for day in sorted(found)
    }
