"""Address allow-lists (``METRICS_ALLOWED_NETWORKS``): parsed once, at start-up."""

import ipaddress

from django.core.exceptions import ImproperlyConfigured


def networks_checked(networks: list[str]) -> list[str]:
    """``networks`` unchanged when each is a network in CIDR notation
    (``10.0.0.0/8``, ``::1/128``; a bare address is a network of one);
    otherwise ImproperlyConfigured names the one that is not, so a typo
    stops the start instead of failing every request."""
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as error:
            raise ImproperlyConfigured(
                f"{network!r} is not a network (expected CIDR, e.g. 10.0.0.0/8)"
            ) from error
    return networks


def address_in(address: str, networks: list[str]) -> bool:
    """Whether ``address`` lies in one of ``networks``. An IPv4 address
    written as IPv6 (``::ffff:10.1.2.3``, what a dual-stack socket reports)
    is compared as the IPv4 address it is. Not an address: False."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)
