"""Schemathesis against /api/v1/openapi.json (security goals 2 and 10): no server error, no schema violation.

The API is fuzzed in-process over the synthetic county, on SQLite (the fuzzing is about the
interface; engine parity is what ``test_api`` checks on both engines). Generated case and
household ids are often swapped for real ones, of both villages, so the fuzzer reaches the
workflow and the scoping, not only "not found"; account ids likewise, so the administrator's run
reaches real accounts (its own included: deactivating oneself is refused), and plan item ids, so
the plan routes reach the items of a village-A case on the green channel that has a plan, and a case
whose risk was eliminated (village C's, ``follow_up_support``), so the follow-up routes reach a
real visit and the supervision report real gaps. ``call_and_validate``
runs schemathesis' default checks: no 5xx, documented status codes, content types and headers,
responses matching their schemas, schema-violating requests refused, schema-valid ones not
refused for their shape, and the token actually required.

A schema-valid request may still be refused by the domain — a step the workflow does not allow
is 422 with its domain code — but never as ``REQUEST_INVALID``: that would mean the schema
promises less than the code checks. Fuzzed as village A's cadre, no answer may name anything
of village B.

``schemathesis.pytest.from_fixture`` cannot run under pytest 9.2 (it sets the private
``Node._nodeid``), so the operations are walked here, one subtest each, with Hypothesis over
each operation's strategy.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from jingzhun.services import plans
from jingzhun.services.auth import create_api_token
from jingzhun.services.users import actor_of
from jingzhun.web.app import create_app

from .conftest import County, green_channel
from .follow_up_support import eliminated_household

IDENTIFIER = re.compile(r"[^\x00-\x20\x7f]{1,40}")  # the schema's case and household ids
EXAMPLES = 100  # per operation and run: the five runs take about three minutes together
CONFIG = """
[generation]
with-security-parameters = false  # the test sends the token; the ignored_auth check still drops it

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"""


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


def _real(known: list[str], given_value: Any) -> st.SearchStrategy[Any]:
    """The generated id, or (if it is a well-formed one, so negative data stays negative) a real one."""
    if not isinstance(given_value, str) or not IDENTIFIER.fullmatch(given_value):
        return st.just(given_value)
    return st.one_of(st.just(given_value), st.sampled_from(known))


@pytest.fixture
def api_schema(county: County) -> Any:
    green = green_channel(county)  # a plan with a household item and a person item, for the plan routes
    cadre = actor_of(county.engine, "cadre_a")
    plans.add_measure(county.engine, green.case_id, cadre, measure_id="INDUSTRY_SUPPORT", risk_codes=["07"])
    plans.add_measure(county.engine, green.case_id, cadre, measure_id="MICRO_CREDIT", risk_codes=["07"],
                      person_id=green.adult)  # fmt: skip
    eliminated = eliminated_household(county)
    app = create_app(county.engine, county.settings)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, config=SchemathesisConfig.from_str(CONFIG))
    known = {"case_id": county.cases_a + county.cases_b, "household_id": county.households_a + county.households_b,
             "user_id": ["cadre_a", "cadre_b", "data", "admin"], "item_id": ["I1", "I2"]}  # fmt: skip
    known["case_id"] = [green.case_id, eliminated.case_id, *known["case_id"]]
    known["household_id"].append(eliminated.household_id)

    @schema.hook
    def flatmap_path_parameters(_: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        if not path_parameters:
            return st.just(path_parameters)
        return st.fixed_dictionaries({name: _real(known[name], value) for name, value in path_parameters.items()})

    @schema.hook
    def flatmap_body(_: Any, body: Any) -> st.SearchStrategy[Any]:
        if not isinstance(body, dict) or "household_id" not in body:
            return st.just(body)
        return _real(known["household_id"], body["household_id"]).map(lambda v: {**body, "household_id": v})

    return schema


RUNS = [
    ("county", GenerationMode.POSITIVE), ("county", GenerationMode.NEGATIVE), ("cadre_a", GenerationMode.POSITIVE),
    ("auditor", GenerationMode.POSITIVE), ("admin", GenerationMode.POSITIVE),  # the audit log's and the accounts' paths
]  # fmt: skip


@pytest.mark.parametrize(("user", "mode"), RUNS, ids=[f"{u}-{m}" for u, m in RUNS])
def test_the_api_answers_every_generated_request_as_its_schema_says(api_schema, county, user, mode, subtests):
    token = create_api_token(county.engine, user, "fuzz", by=actor_of(county.engine, "admin"))
    foreign = [county.village_b, *county.households_b, *county.cases_b] if user == "cadre_a" else []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if mode is GenerationMode.NEGATIVE and not any(
            len(x) for x in (operation.path_parameters, operation.query, operation.body)
        ):
            continue  # GET /me: there is nothing to send wrong
        with subtests.test(msg=operation.label):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
            def answers_as_documented(case: Any) -> None:
                response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
                if response.status_code == 422 and mode is GenerationMode.POSITIVE:
                    assert response.json()["code"] != "REQUEST_INVALID", response.text
                leaked = [x for x in foreign if x in response.text]
                assert not leaked, f"village A's cadre was shown {leaked[:3]}"

            answers_as_documented()
