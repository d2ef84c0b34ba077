"""OpenAPI: the answers every operation can give, whatever its view documents itself.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]):
- 429 everywhere: every API view is rate limited (yousync.api.throttles.py);
- 404 where the path has a parameter (an id that does not exist or does not parse) or
  the list is paginated (a page past the end);
- 401 where a bearer token is accepted: a wrong or expired one is refused even on the
  public catalogue.
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme

THROTTLED_SCHEMA = "ThrottledError"

_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail", "code"],
}
_THROTTLED = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "enum": ["throttled", "too_many_login_attempts"]},
        "retry_after": {"type": "integer", "nullable": True, "minimum": 1},
    },
    "required": ["detail", "code"],
}


def _answer(description: str, schema: str = "Error") -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _accepts_bearer(operation: dict, schemes: dict) -> bool:
    return any(
        schemes.get(name, {}).get("scheme") == "bearer"
        for requirement in operation.get("security", [])
        for name in requirement
    )


def document_common_errors(result, generator, request, public):
    components = result.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas[THROTTLED_SCHEMA] = _THROTTLED
    schemas.setdefault("Error", _ERROR)  # ErrorSerializer's, when no view named it
    schemes = components.get("securitySchemes", {})
    for item in result.get("paths", {}).values():
        shared_parameters = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            parameters = [*shared_parameters, *operation.get("parameters", [])]
            has_path_id = any(p.get("in") == "path" for p in parameters)
            paginated = any(p.get("in") == "query" and p.get("name") == "page" for p in parameters)
            if (has_path_id or paginated) and "404" not in responses:
                responses["404"] = _answer("Unknown id, or a page past the end")
            if _accepts_bearer(operation, schemes) and "401" not in responses:
                responses["401"] = _answer("Invalid or expired access token")
            responses.setdefault(
                "429",
                {
                    **_answer("Too many requests: wait Retry-After seconds", THROTTLED_SCHEMA),
                    "headers": {
                        "Retry-After": {
                            "schema": {"type": "integer"},
                            "description": "Seconds to wait before the next request",
                        }
                    },
                },
            )
    return result


class PublicReadJWTScheme(SimpleJWTScheme):
    """The catalogue's optional bearer token (verified without reading the account row:
    scripts.api.views.CATALOGUE_AUTHENTICATION), named apart from the learner's `jwtAuth`
    so that the schema has one component per authentication class."""

    target_class = "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication"
    name = "jwtAuthPublic"
    priority = 1
