"""The polars fast path must give exactly what the csv-module path gives, on any CSV text."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingzhun.adapters.files import csv_reader
from jingzhun.adapters.files.readers import read_table
from jingzhun.domain.exchange import HOUSEHOLDS

HEADER = ["户编号", "行政区划代码", "是否脱贫户"]
cells = st.text(alphabet=st.sampled_from(["a", "0", "中", ",", '"', " ", "\u3000", "\n", "\t"]), max_size=6)
rows = st.lists(st.lists(cells, max_size=5), max_size=8)
raw_lines = st.lists(st.text(alphabet=st.sampled_from(["a", ",", '"', " ", "中"]), max_size=8), max_size=3)


def render(body: list[list[str]], quoting: int, junk: list[str], newline: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=quoting, lineterminator=newline).writerows([HEADER, *body])
    return buffer.getvalue() + "".join(line + newline for line in junk)


@settings(max_examples=300, deadline=None)
@given(
    body=rows,
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    junk=raw_lines,
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_fast_and_robust_paths_agree(tmp_path_factory, body, quoting, junk, newline):
    path = tmp_path_factory.mktemp("agree") / "households.csv"
    path.write_bytes(render(body, quoting, junk, newline).encode())
    fast = read_table(path, HOUSEHOLDS).frame
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_reader, "_read_fast", lambda body, layout: None)
        robust = read_table(path, HOUSEHOLDS).frame
    assert fast.equals(robust), (fast.rows(), robust.rows())
