"""`GET /api/v1/apps`: Okta's `q`, `filter`, `limit` and `after`, with `Link` header pagination (RFC 8288)."""

import re
from urllib.parse import urlencode

from django.db.models import QuerySet

from ..conf import authserver_settings
from ..models import Client
from .errors import InvalidSearch, ValidationFailed
from .representation import APP_NAME

# One comparison of Okta's filter language: `attribute eq "value"`.
_COMPARISON = re.compile(r'^\s*([A-Za-z.]+)\s+eq\s+"([^"]*)"\s*$', re.IGNORECASE)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
CURSOR = re.compile(r"[0-9]{1,18}")
_STATUSES = {Client.STATUS_ACTIVE, Client.STATUS_INACTIVE}


def apply_filter(queryset: QuerySet, expression: str) -> QuerySet:
    """`status`, `id` and `name` compared with `eq`, joined by `and`; anything else is E0000031."""
    for clause in _AND.split(expression.strip()):
        match = _COMPARISON.match(clause)
        if not match:
            raise InvalidSearch(causes=[f"filter: unsupported expression {clause.strip()!r}."])
        attribute, value = match.group(1), match.group(2)
        if attribute == "status":
            if value not in _STATUSES:
                raise InvalidSearch(causes=[f"filter: status must be one of {', '.join(sorted(_STATUSES))}."])
            queryset = queryset.filter(status=value)
        elif attribute == "id":
            queryset = queryset.filter(app_id=value)
        elif attribute == "name":
            queryset = queryset if value == APP_NAME else queryset.none()
        else:
            raise InvalidSearch(causes=[f"filter: unsupported attribute {attribute!r} (status, id, name)."])
    return queryset


def apply_query(queryset: QuerySet, q: str) -> QuerySet:
    """Okta's `q`: apps whose `name` or `label` starts with the value (case-insensitive)."""
    if APP_NAME.startswith(q.lower()):
        return queryset
    return queryset.filter(name__istartswith=q)


def parse_limit(raw: str | None) -> int:
    """The page size: the default when absent, capped at the maximum as Okta does."""
    if raw is None or raw == "" or raw == "-1":
        return authserver_settings.APPS_PAGE_SIZE
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if limit < 1:
        raise ValidationFailed("limit", ["limit: must be a positive integer."])
    return min(limit, authserver_settings.APPS_MAX_PAGE_SIZE)


def parse_after(raw: str | None) -> int | None:
    """The opaque cursor of a `next` link: here, the position of the last app of the previous page."""
    if raw is None or raw == "":
        return None
    # ASCII digits only (`str.isdigit` also takes `²` and other digits int() refuses), and short
    # enough for a database integer: anything else cannot have come from a next link.
    if not CURSOR.fullmatch(raw):
        raise ValidationFailed("after", ["after: not a cursor from a next link."])
    return int(raw)


def page(params, base: str) -> tuple[list[Client], str]:
    """One page of apps and its `Link` header (`self`, and `next` when more remain)."""
    limit = parse_limit(params.get("limit"))
    after = parse_after(params.get("after"))
    queryset = Client.objects.order_by("pk")
    if params.get("q"):
        queryset = apply_query(queryset, params["q"])
    if params.get("filter"):
        queryset = apply_filter(queryset, params["filter"])
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    items = list(queryset[: limit + 1])
    kept = {name: params[name] for name in ("q", "filter") if params.get(name)}
    current = {**kept, **({"after": after} if after is not None else {}), "limit": limit}
    links = [f'<{base}/api/v1/apps?{urlencode(current)}>; rel="self"']
    if len(items) > limit:
        items = items[:limit]
        next_query = urlencode({**kept, "after": items[-1].pk, "limit": limit})
        links.append(f'<{base}/api/v1/apps?{next_query}>; rel="next"')
    return items, ", ".join(links)
