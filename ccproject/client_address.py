"""The address of the client a request comes from: one rule for the whole project.

The rule is DRF's, which the throttles already follow (`api.throttling.ClientRateThrottle` keeps
`BaseThrottle.get_ident`): with `NUM_PROXIES` set (`REST_FRAMEWORK["NUM_PROXIES"]`, 0 by default),
the address the last trusted proxy appended to `X-Forwarded-For`, else the peer's (`REMOTE_ADDR`).
Anything in that place that is no IP address (a forged header, a proxy that appends a port) is
no address at all here: a value stored as one must be one.
"""

import ipaddress

from rest_framework.throttling import BaseThrottle

# The longest textual IP address (INET6_ADDRSTRLEN less the NUL): longer values are not parsed.
MAX_ADDRESS_LENGTH = 45

_identify = BaseThrottle().get_ident


def client_address(request) -> str | None:
    """The client's IP address (Django's `HttpRequest` or DRF's `Request`), or None without a usable one."""
    value = _identify(request)
    if not value or len(value) > MAX_ADDRESS_LENGTH:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv6 zone (`fe80::1%eth0`) names an interface of the proxy's host, not the client.
    return str(address).partition("%")[0]
