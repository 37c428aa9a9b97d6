"""Spec-driven fuzzing: every operation of our own OpenAPI document, no 5xx, valid shapes.

Strings are UTF-8 (schemathesis' default codec); free-text query parameters are also drawn
from Chinese, Latin-1 and RFC 8288 delimiters, and the data has enough matching rows for a
next page, so a Link header built from such a value is exercised (it was a 500: partner F2).
The partner review's requests are replayed as explicit cases.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from core.changelog import record_change
from tests.api.test_links import _LINK
from tests.factories import create_enterprise, create_penalty

FUZZ = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
#: what free text gets drawn from besides hypothesis' own: 化工 matches the data
WORDS = st.sampled_from(
    [
        "化工",
        "兰州",
        "有限公司",
        "a b>;c",
        "é",
        "\xe9\xff",
        ">",
        ";",
        ",",
        '"',
        "<",
        "%",
        "&",
        "#",
        "+",
        "\u3000",
        "𠀀",
    ]
)
FREE_TEXT = st.one_of(WORDS, st.lists(WORDS, min_size=1, max_size=3).map("".join))
#: partner review requests (F2, F4, F16) with the statuses they must now get
REVIEW_CASES = [
    ("/api/v1/enterprises", {"limit": 3, "q": "化工"}, 200),
    ("/api/v1/enterprises", {"limit": 500, "q": "化工"}, 200),
    ("/api/v1/penalties", {"limit": 1, "x": "é"}, 200),
    ("/api/v1/penalties", {"limit": 1, "x": "a b>;c"}, 200),
    ("/api/v1/inspections", {"limit": 2, "note": "中"}, 200),
    ("/api/v1/enterprises/{uscc}/rating", {"as_of": "0002-01-01"}, 422),
    ("/api/v1/enterprises/{uscc}/rating", {"as_of": "1900-01-01"}, 404),
    ("/api/v1/stats/tipoffs", {"month": "0025-00"}, 422),
    ("/api/v1/changes", {"after": 999}, 409),
]
USCC = "91350100M000100Y43"


def link_header_is_rfc8288(ctx, response, case) -> None:
    """A Link header is ASCII and one RFC 8288 link-value (gunicorn refuses anything else
    with a 500, which the WSGI test client does not)."""
    for name, values in response.headers.items():
        if name.lower() == "link":
            for value in values if isinstance(values, list) else [values]:
                assert value.isascii() and _LINK.fullmatch(value), f"bad Link: {value!r}"


def _data(session) -> None:
    ent = create_enterprise(session, uscc=USCC)
    for n in range(55):  # more than a default page (50)
        other = create_enterprise(session, name=f"兰州{n}号化工有限公司 a b>;c")
        record_change(session, "enterprise", other.uscc, enterprise_id=other.id)
    for _ in range(3):
        create_penalty(session, ent)
    session.commit()


def _biased(operation, query: dict) -> dict:
    """Strategies for the query parameters worth steering, mostly away from what
    schemathesis drew: any text (a string without pattern, enum or format) from WORDS,
    ``limit`` small and the other optional filters left out, so that pages with a next
    page come up."""
    out = {}
    for param in operation.definition.raw.get("parameters", []):
        name, schema = param.get("name"), param.get("schema", {})
        if param.get("in") != "query":
            continue
        drawn = st.just(query.get(name, DROP))
        if schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema):
            out[name] = st.one_of(drawn, FREE_TEXT, FREE_TEXT, FREE_TEXT)
        elif name == "limit":
            out[name] = st.one_of(drawn, st.integers(1, 3), st.integers(1, 3))
        elif not param.get("required"):
            out[name] = st.one_of(drawn, st.just(DROP), st.just(DROP), st.just(DROP))
    return out


DROP = object()


def test_every_operation_conforms_to_the_spec(app, session):
    _data(session)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    @schema.hook
    def flatmap_query(context, query):
        biased = _biased(context.operation, query or {})
        if not biased:
            return st.just(query)
        return st.fixed_dictionaries(biased).map(
            lambda drawn: {k: v for k, v in {**query, **drawn}.items() if v is not DROP}
        )

    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        _fuzz(operation)


def _fuzz(operation) -> None:
    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        case = data.draw(operation.as_strategy())
        # Business rules beyond the schema (a named reporter needs a contact, an unknown
        # USCC is a 404/422) legitimately reject some schema-valid requests; every other
        # check (no 5xx, documented status codes, content types, response schemas) applies.
        case.call_and_validate(
            headers={"Accept-Encoding": "identity"},
            additional_checks=[link_header_is_rfc8288],
            excluded_checks=[positive_data_acceptance],
        )

    fuzz()


def test_the_review_requests_conform_to_the_spec(app, session):
    _data(session)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    for path, query, status in REVIEW_CASES:
        operation = schema[path]["GET"]
        params = {"uscc": USCC} if "{uscc}" in path else None
        case = operation.Case(query=query, path_parameters=params)
        response = case.call_and_validate(
            headers={"Accept-Encoding": "identity"},
            additional_checks=[link_header_is_rfc8288],
            excluded_checks=[positive_data_acceptance],
        )
        assert response.status_code == status, (path, query, response.text[:300])
        if "limit" in query and query["limit"] < 4 and path.endswith("enterprises"):
            links = [v for k, v in response.headers.items() if k.lower() == "link"]
            assert links and str(links[0]).isascii(), response.headers
