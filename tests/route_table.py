"""The app's route table as (method, path) → who may call it, read from the handlers'
guards: "public" (no login), "any" (any logged-in role), the sorted roles of `requires`, or
"token <scope>" (the read API: a bearer token with that scope, no session)."""

from __future__ import annotations

from litestar import Litestar

IGNORED_METHODS = {"OPTIONS", "HEAD"}
STANDING_LOGINS = {  # role → the standing test login of `factories.standing_people`
    "admin": "admin",
    "assessment_office": "office",
    "training_office": "training",
    "leader": "leader",
    "cadre": "member",
    "mystery": "visitor",
    "reporter": "reporter",
    "field_checker": "checker",
}


def declared_access(app: Litestar) -> dict[tuple[str, str], str]:
    table = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = set(getattr(handler, "http_methods", set())) - IGNORED_METHODS
            if not methods or route.path.startswith(("/static", "/schema")):
                continue
            roles: set[str] = set()
            scopes: set[str] = set()
            for guard in handler.guards or []:
                roles |= set(getattr(guard, "roles", ()))
                scopes |= {guard.scope} if hasattr(guard, "scope") else set()
            if scopes:
                access = "token " + " ".join(sorted(scopes))
            elif (handler.opt or {}).get("exclude_from_auth"):
                access = "public"
            elif roles:
                access = ", ".join(sorted(roles))
            else:
                access = "any"
            for method in methods:
                table[(method, route.path)] = access
    return table
