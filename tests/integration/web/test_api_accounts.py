"""GET/POST /api/v1/users and POST /api/v1/users/{id}/deactivate: an administrator's token, inside its county."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jingzhun.domain.errors import DomainError
from jingzhun.services import auth
from jingzhun.services.users import actor_of
from jingzhun.web.app import create_app

from .conftest import PASSWORD, County, other_county
from .test_api import assert_problem
from .test_api_audit import token


@pytest.fixture
def api(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.engine, county.settings), base_url="http://testserver/api/v1") as client:
        yield client


@pytest.fixture
def admin(county: County) -> dict[str, str]:
    return token(county, "admin")


def test_the_admin_lists_the_countys_accounts_in_pages(api, county, admin):
    first = api.get("/users", params={"page_size": 5}, headers=admin).json()
    assert len(first["items"]) == 5 and first["next_page"] == 2
    rest = api.get("/users", params={"page": 2, "page_size": 5}, headers=admin).json()
    ids = [a["user_id"] for a in first["items"] + rest["items"]]
    assert sorted(ids) == ["admin", "auditor", "cadre_a", "cadre_b", "county", "data", "town_a"]
    cadre = next(a for a in first["items"] + rest["items"] if a["user_id"] == "cadre_a")
    assert cadre["role_label"] == "村干部/帮扶联系人" and cadre["active"] and cadre["has_password"]
    assert "password_hash" not in str(first) and "$argon2" not in str(first)
    assert_problem(api.get("/users", headers=token(county, "cadre_a")), 403, "PERMISSION_DENIED")
    assert_problem(api.get("/users", headers=token(county, "auditor")), 403, "PERMISSION_DENIED")


def test_the_admin_creates_inside_the_county_and_is_refused_outside(api, county, admin):
    new = {"user_id": "cadre_c", "display_name": "村干部丙", "role": "village_cadre", "jurisdiction": county.village_a}
    made = api.post("/users", json=new, headers=admin)
    assert made.status_code == 201 and made.json()["jurisdiction"] == county.village_a
    assert not made.json()["has_password"] and made.json()["last_login"] is None
    assert_problem(api.post("/users", json=new, headers=admin), 422, "USER_EXISTS")
    elsewhere = other_county(county)
    assert_problem(api.post("/users", json={**new, "user_id": "cadre_d", "jurisdiction": elsewhere}, headers=admin),
                   403, "PERMISSION_DENIED")  # fmt: skip
    with pytest.raises(DomainError):
        actor_of(county.engine, "cadre_d")
    assert_problem(api.post("/users", json={**new, "password": "x"}, headers=admin), 422, "REQUEST_INVALID")


def test_deactivating_ends_the_accounts_sessions_and_another_county_gets_404(api, county, admin):
    session = auth.login(county.engine, "cadre_b", PASSWORD, county.settings)
    other_county(county)
    foreign = api.post("/users/cadre_b/deactivate", json={"reason": "调离"}, headers=token(county, "admin_x"))
    assert_problem(foreign, 404, "USER_NOT_FOUND")
    assert_problem(api.post("/users/cadre_b/deactivate", json={}, headers=admin), 422, "REQUEST_INVALID")
    done = api.post("/users/cadre_b/deactivate", json={"reason": "调离"}, headers=admin)
    assert done.status_code == 200 and done.json()["active"] is False
    with pytest.raises(DomainError) as e:
        auth.resume(county.engine, session.token, county.settings)
    assert e.value.code == "SESSION_EXPIRED"
    assert_problem(api.post("/users/admin/deactivate", json={"reason": "x"}, headers=admin), 422, "USER_SELF")
