"""OpenAPI: the API-key authentication, as a scheme of its own (`partnerApiKey`)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "partners.api.authentication.ApiKeyAuthentication"
    name = ["partnerApiKey", "partnerBearer"]

    def get_security_requirement(self, auto_schema):
        # Either header will do: two requirements (OR), not one that names both (AND).
        return [{name: []} for name in self.name]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": "A partner API key, ys_live_…",
            },
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "ys_live_…",
                "description": "The same key as Authorization: Bearer ys_live_…",
            },
        ]
