"""Social assistance: dibao, tekun and temporary assistance, as income and as 民政 events.

Why decided from income before transfers: the civil-affairs department enrols a household in
dibao when its income falls below the local standard, so who gets dibao must follow from the
market income and the other transfers the household already has (pensions, subsidies,
family support). Households without labour, with serious illness or hit by disaster therefore
receive more assistance, as in life. A household newly enrolled during the window receives
benefits only for the months after enrolment, and nothing in the previous window — which is
also what the ``dibao_enrolled`` event on that date says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jingzhun.domain.vocab import Department, EventType
from jingzhun.synth import profiles as P
from jingzhun.synth.events import EventBatch, detail
from jingzhun.synth.window import Window

_DIBAO_TAKE_UP = 0.75  # eligible households actually enrolled (application, assets check)
_NEW_ENROLMENT_SHARE = 0.25  # of dibao/tekun cases, enrolled during the window
_TEKUN_TAKE_UP = 0.6


@dataclass(frozen=True, slots=True)
class Needs:
    """What civil affairs sees about each household (per-household arrays)."""

    size: np.ndarray  # int members
    head_member: np.ndarray  # int64 member index of the head
    head_age: np.ndarray
    head_died: np.ndarray  # bool: the head died during the window (no new enrolment then)
    no_labour: np.ndarray  # bool: nobody able to work
    serious_illness: np.ndarray  # bool
    disaster_loss: np.ndarray  # float64
    income_before: np.ndarray  # float64 yuan: market income + non-assistance transfers


@dataclass(frozen=True, slots=True)
class Assistance:
    current: np.ndarray  # float64 yuan received in the current window
    previous: np.ndarray  # float64 yuan received in the previous window
    events: EventBatch


def draw_assistance(rng: np.random.Generator, needs: Needs, window: Window) -> Assistance:
    n = len(needs.size)
    per_capita = needs.income_before / needs.size
    tekun = (needs.size == 1) & (needs.head_age >= 60) & needs.no_labour & (rng.random(n) < _TEKUN_TAKE_UP)
    poor = per_capita < P.DIBAO_STANDARD
    vulnerable = (per_capita < 1.5 * P.DIBAO_STANDARD) & (needs.no_labour | needs.serious_illness)
    dibao = ~tekun & ((poor & (rng.random(n) < _DIBAO_TAKE_UP)) | (vulnerable & (rng.random(n) < 0.3)))
    gap = np.maximum(P.DIBAO_STANDARD - per_capita, 0.2 * P.DIBAO_STANDARD) * needs.size
    annual = np.where(tekun, P.TEKUN_SUPPORT, np.where(dibao, gap, 0.0))

    # Some cases were enrolled during the window: benefits from the month after enrolment.
    new = (tekun | dibao) & ~needs.head_died & (rng.random(n) < _NEW_ENROLMENT_SHARE)
    offset = rng.integers(0, window.days, n)
    months_paid = np.where(new, 11 - np.minimum(offset // 31, 11), 12)
    current = annual * months_paid / 12.0
    previous = np.where(new, 0.0, annual)

    temp_p = (
        0.01
        + 0.08 * needs.serious_illness
        + 0.10 * (needs.disaster_loss > 0)
        + 0.04 * (per_capita < P.DIBAO_STANDARD)
        + 0.03 * needs.no_labour
    )
    temp = rng.random(n) < temp_p
    temp_amount = np.where(temp, np.round(rng.uniform(500, 5_000, n), -2), 0.0)
    events = EventBatch.concat(
        [
            _enrolments(new & dibao, new & tekun, needs, offset, window),
            _temporary(temp, temp_amount, needs, rng, window),
        ]
    )
    return Assistance(current=current + temp_amount, previous=previous, events=events)


def _enrolments(
    new_dibao: np.ndarray, new_tekun: np.ndarray, needs: Needs, offset: np.ndarray, window: Window
) -> EventBatch:
    """Dibao is granted to the household; tekun support to the person."""
    d = np.flatnonzero(new_dibao)
    t = np.flatnonzero(new_tekun)
    return EventBatch.concat(
        [
            EventBatch.of(
                EventType.DIBAO_ENROLLED,
                Department.CIVIL_AFFAIRS,
                household=d,
                date=window.dates(offset[d]),
                detail=detail("新纳入农村低保"),
            ),
            EventBatch.of(
                EventType.TEKUN_ENROLLED,
                Department.CIVIL_AFFAIRS,
                household=t,
                person=needs.head_member[t],
                date=window.dates(offset[t]),
                detail=detail("新纳入特困人员供养"),
            ),
        ]
    )


def _temporary(
    temp: np.ndarray, amount: np.ndarray, needs: Needs, rng: np.random.Generator, window: Window
) -> EventBatch:
    who = np.flatnonzero(temp)
    cause = np.select(
        [needs.disaster_loss[who] > 0, needs.serious_illness[who]],
        [detail("因灾临时救助"), detail("因病临时救助")],
        detail("急难型临时救助"),
    )
    return EventBatch.of(
        EventType.TEMPORARY_ASSISTANCE,
        Department.CIVIL_AFFAIRS,
        household=who,
        date=window.random_dates(rng, len(who)),
        amount=amount[who],
        detail=cause,
    )
