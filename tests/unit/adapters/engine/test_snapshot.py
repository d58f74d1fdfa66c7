"""A partitioned Parquet snapshot screens to the same warnings as the files, partition by partition."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jingzhun import bootstrap
from jingzhun.adapters.engine.snapshot import partitions, screen_snapshot
from jingzhun.services.screening import screen_files
from jingzhun.synth import generate, write

AS_OF = dt.date(2026, 11, 1)
PACK = Path(__file__).parents[4] / "bench" / "bench-national-pack.yaml"


def test_partitions_screen_like_the_whole(tmp_path):
    for k, province in enumerate(("53", "52")):
        write(generate(households=300, seed=k + 1, province=province, as_of=AS_OF), tmp_path / f"p{k}", "parquet")
    assert [p.name for p in partitions(tmp_path)] == ["p0", "p1"]
    resolve = bootstrap.policy_resolver(str(PACK))
    whole = screen_snapshot(tmp_path, AS_OF, resolve)
    per_files = [screen_files(tmp_path / p / "registry", tmp_path / p / "feeds", AS_OF, resolve) for p in ("p0", "p1")]
    assert whole.households == 600
    expected = sorted(h for o in per_files for h in o.warnings["household_id"].to_list())  # type: ignore[index]
    assert whole.warnings["household_id"].to_list() == expected
    assert whole.warnings.height > 20
