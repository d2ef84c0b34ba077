"""The partner API in the OpenAPI schema the site serves: its operations under their own
tag, with the API key (either header) as their only authentication, and examples that
have the fields their responses document."""

import pytest

pytestmark = [pytest.mark.django_db]

PARTNER_OPERATIONS = {
    ("POST", "/api/v1/assess"),
    ("GET", "/api/v1/jobs/{job_id}"),
    ("GET", "/api/v1/usage"),
    ("GET", "/api/v1/lines"),
}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def operations(schema) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }


def resolved(schema, body: dict) -> dict:
    while "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return body


def test_the_partner_operations_are_under_their_own_tag_and_only_they(schema):
    tagged = {key for key, op in operations(schema).items() if "partners" in op.get("tags", [])}

    assert tagged == PARTNER_OPERATIONS
    assert all(operations(schema)[key]["tags"] == ["partners"] for key in tagged)


def test_the_partner_operations_take_an_api_key_in_either_header_and_nothing_else(schema):
    schemes = schema["components"]["securitySchemes"]

    assert (schemes["partnerApiKey"]["in"], schemes["partnerApiKey"]["name"]) == (
        "header",
        "X-API-Key",
    )
    assert schemes["partnerBearer"]["scheme"] == "bearer"
    for key in PARTNER_OPERATIONS:
        # Two requirements: one or the other (a single one naming both would mean both).
        assert operations(schema)[key]["security"] == [
            {"partnerApiKey": []},
            {"partnerBearer": []},
        ], key


def test_every_partner_operation_has_a_success_example_with_the_documented_fields(schema):
    for method, path in PARTNER_OPERATIONS:
        responses = operations(schema)[(method, path)]["responses"]
        for code in ("200", "202") if path == "/api/v1/assess" else ("200",):
            content = responses[code]["content"]["application/json"]
            examples = content.get("examples", {})
            assert examples, f"{method} {path} {code} has no example"
            body = resolved(schema, content["schema"])
            for example in examples.values():
                value = example["value"]
                if body.get("type") == "object" and "results" in body["properties"]:
                    # A page: the envelope, and each line as a line is documented.
                    assert set(value) == set(body["properties"])
                    item = resolved(schema, body["properties"]["results"]["items"])
                    assert all(set(line) == set(item["properties"]) for line in value["results"])
                else:
                    assert set(value) == set(body["properties"]), (method, path, code)


def test_the_assess_examples_show_a_scored_and_a_queued_answer(schema):
    responses = operations(schema)[("POST", "/api/v1/assess")]["responses"]

    (scored,) = responses["200"]["content"]["application/json"]["examples"].values()
    (queued,) = responses["202"]["content"]["application/json"]["examples"].values()
    assert (scored["value"]["status"], scored["value"]["synchronous"]) == ("completed", True)
    assert 0 <= scored["value"]["overall_score"] <= 100
    assert (queued["value"]["status"], queued["value"]["overall_score"]) == ("queued", None)
    request = operations(schema)[("POST", "/api/v1/assess")]["requestBody"]["content"]
    assert "multipart/form-data" in request


def test_the_partners_tag_is_introduced_with_how_to_authenticate(schema):
    tags = {tag["name"]: tag for tag in schema.get("tags", [])}

    assert "API key" in tags["partners"]["description"]
    assert "docs/partners.md" in tags["partners"]["description"]
