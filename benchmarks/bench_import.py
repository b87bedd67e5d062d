"""`npc import` of one million attributed lines into MariaDB, against LOAD DATA, in one run.

1. Generate an npc JSON Lines file: 1,000 films x 1,000 lines, 20 characters each
   (NPC_BENCH_IMPORT_LINES scales it; films keep 1,000 lines), and one a tenth its size.
2. `npc import FILE --json` in a fresh process on a fresh migrated database: the
   reader, checks, merges, ids, search index and writes the CLI runs. Lines/second
   from the report's own timing (the file, not the interpreter's start-up).
3. The same rows, dumped from that database to tab-separated files, loaded with
   `LOAD DATA LOCAL INFILE` into an identical empty table set: every table npc wrote
   (films, search grams, sources, characters, lines), lines in the order npc wrote
   them (film by film, in line order). Lines/second of that, and the ratio
   npc / LOAD DATA (aim >= 0.4). Both databases are checked to hold the same counts.
   Steps 2 and 3 run twice, alternating, each time on fresh databases, and the best
   of each counts: the ratio then does not depend on what else the machine ran
   during one of them.
4. Peak RSS of the import process (`wait4`'s ru_maxrss) at a tenth and at the full
   size, each in a fresh process on a fresh database (aim: flat, <= 250 MB).

Needs MariaDB at 127.0.0.1:3306 (root, `local_infile` on). Databases are dropped and
files removed at the end whatever happens. Speed never fails the run: aims print
PASS or FAIL.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pymysql  # type: ignore[import-untyped]

from adapters.sql import migrate
from benchmarks._report import verdict

ROOT: Final = Path(__file__).resolve().parents[1]
SERVER: Final = "127.0.0.1"
LINES: Final = int(os.environ.get("NPC_BENCH_IMPORT_LINES", "1000000"))
LINES_PER_FILM: Final = 1_000
CHARACTERS_PER_FILM: Final = 20

AIM_RATIO: Final = 0.4
AIM_RSS_MB: Final = 250.0
AIM_FLAT: Final = 1.25  # peak RSS at full size / at a tenth

# Tables in the order LOAD DATA fills them (parents first), and the order rows are
# dumped in: as npc wrote them, film by film.
TABLES: Final = (
    ("movies", "id"),
    ("movie_title_grams", "movie_id, gram"),
    ("movie_overview_grams", "movie_id, gram"),
    ("movie_sources", "movie_id"),
    ("characters", "movie_id, id"),
    ("character_dialogues", "movie_id, line_order"),
)

_SCRIPT: Final = (
    "I know you don't want to hear this but we have to leave before the sun comes up "
    "nobody talks about the club ever again you never listen to me when it matters "
    "where were you last night the city never sleeps and neither do I tell me the truth"
)
WORDS: Final = tuple(_SCRIPT.split(" "))
CHINESE: Final = ("我们走吧。", "你到底在想什么？", "这不是你的错。", "明天见！", "别再说了。")


# -- 1. the input ---------------------------------------------------------------------


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return "".join(rng.choice(CHINESE) for _ in range(rng.randint(1, 3)))
    words = rng.choices(WORDS, k=rng.randint(4, 18))
    return " ".join(words).capitalize() + rng.choice(".?!")


def generate(path: Path, lines: int, seed: int = 8) -> int:
    """Write an npc JSON Lines file of `lines` lines; the number of films."""
    rng = random.Random(seed)
    films = max(1, lines // LINES_PER_FILM)
    with path.open("w", encoding="utf-8") as out:
        for number in range(films):
            names = [f"CHARACTER {number}-{c}" for c in range(CHARACTERS_PER_FILM)]
            film = {
                "key": f"bench:{number}",
                "title": f"Bench Film {number}",
                "originalTitle": f"基准电影 {number}",
                "year": 1950 + number % 70,
                "overview": " ".join(_sentence(rng) for _ in range(3)),
                "genres": ["Drama"],
                "characters": [{"key": f"c{c}", "name": n} for c, n in enumerate(names)],
                "lines": [
                    {
                        "content": _sentence(rng),
                        # A few talk a lot, as in films: importance spreads out.
                        "character": f"c{min(int(rng.expovariate(0.25)), CHARACTERS_PER_FILM - 1)}",
                    }
                    for _ in range(LINES_PER_FILM)
                ],
            }
            out.write(json.dumps(film, ensure_ascii=False) + "\n")
    return films


# -- databases -------------------------------------------------------------------------


def _connect(database: str | None = None, **options: object) -> pymysql.Connection:
    return pymysql.connect(
        host=SERVER, user="root", database=database, charset="utf8mb4", **options
    )


@contextmanager
def fresh_database(label: str) -> Iterator[tuple[str, str]]:
    """A new migrated `npc_bench_import_*` database: (name, URL); dropped on exit."""
    name = f"npc_bench_import_{label}_{secrets.token_hex(3)}"
    admin = _connect()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        url = f"mysql://root@{SERVER}:3306/{name}"
        migrate.upgrade(url)
        yield name, url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


# -- 2 and 4. npc import ---------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One `npc import` process."""

    lines: int
    seconds: float
    peak_rss_mb: float
    status: int

    @property
    def rate(self) -> float:
        """Lines per second."""
        return self.lines / self.seconds


def npc_import(url: str, path: Path) -> Run:
    """`npc import PATH --json` in a fresh interpreter; its timing and peak RSS."""
    command = [
        sys.executable,
        "-c",
        "import sys; from entrypoints.cli import main; sys.exit(main())",
    ]
    env = {**os.environ, "NPC_DATABASE_URL": url.replace("mysql://", "mysql+aiomysql://")}
    with tempfile.TemporaryFile() as report:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [*command, "import", str(path), "--json"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=report,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        report.seek(0)
        document = json.loads(report.read())
    (file,) = document["files"]
    if process.returncode != 0 or file["failed"]:
        raise RuntimeError(f"npc import failed ({process.returncode}): {file}")
    return Run(file["lines"], file["seconds"], usage.ru_maxrss / 1024, process.returncode)


# -- 3. LOAD DATA ----------------------------------------------------------------------


def _field(value: object) -> str:
    if value is None:
        return "\\N"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def dump(database: str, folder: Path) -> dict[str, list[str]]:
    """Every row npc wrote, one TSV file per table (in the order npc wrote them)."""
    columns = {}
    source = _connect(database, cursorclass=pymysql.cursors.SSCursor)
    try:
        for table, order in TABLES:
            with source.cursor() as cursor, (folder / f"{table}.tsv").open("w") as out:
                cursor.execute(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608
                columns[table] = [d[0] for d in cursor.description]
                for row in cursor:
                    out.write("\t".join(_field(v) for v in row) + "\n")
    finally:
        source.close()
    return columns


def load_data(database: str, folder: Path, columns: dict[str, list[str]]) -> dict[str, float]:
    """LOAD DATA LOCAL INFILE every table, parents first; seconds per table."""
    target = _connect(database, local_infile=True)
    seconds = {}
    try:
        with target.cursor() as cursor:
            for table, _ in TABLES:
                started = time.perf_counter()
                cursor.execute(
                    f"LOAD DATA LOCAL INFILE '{folder / table}.tsv' INTO TABLE {table} "
                    f"CHARACTER SET utf8mb4 ({', '.join(columns[table])})"
                )
                target.commit()
                seconds[table] = time.perf_counter() - started
    finally:
        target.close()
    return seconds


def counts(database: str) -> dict[str, int]:
    """Rows per table."""
    connection = _connect(database)
    try:
        with connection.cursor() as cursor:
            found = {}
            for table, _ in TABLES:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                found[table] = int(cursor.fetchone()[0])
            return found
    finally:
        connection.close()


def main() -> None:
    """Print every figure with PASS/FAIL against its aim."""
    started = time.monotonic()
    small_lines = max(LINES_PER_FILM, LINES // 10)
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="npc-bench-import-")))
        print(f"\n[1] generate npc JSON Lines: {LINES:,} and {small_lines:,} lines")
        for lines in (LINES, small_lines):
            began = time.perf_counter()
            films = generate(tmp / f"lines-{lines}.jsonl", lines)
            size = (tmp / f"lines-{lines}.jsonl").stat().st_size / 2**20
            print(f"  {films:,} films, {size:.0f} MB in {time.perf_counter() - began:.1f} s")

        npc_runs: list[Run] = []
        load_runs: list[float] = []
        for attempt in (1, 2):
            print(f"\n[2.{attempt}] npc import of {LINES:,} lines (a fresh process and database)")
            npc_db, npc_url = stack.enter_context(fresh_database("npc"))
            run = npc_import(npc_url, tmp / f"lines-{LINES}.jsonl")
            npc_runs.append(run)
            print(f"  {run.lines:,} lines in {run.seconds:.1f} s: {run.rate:,.0f} lines/s")

            print(
                f"\n[3.{attempt}] LOAD DATA LOCAL INFILE of the same rows, identical empty tables"
            )
            load_db, _ = stack.enter_context(fresh_database("load"))
            seconds = load_data(load_db, tmp, dump(npc_db, tmp))
            for table, took in seconds.items():
                print(f"    {table:<24}{took:7.2f} s")
            total = sum(seconds.values())
            load_runs.append(total)
            rate = run.lines / total
            print(f"  {run.lines:,} lines with their films in {total:.1f} s: {rate:,.0f} lines/s")
            same = counts(npc_db) == counts(load_db)
            print(f"  same row counts in both databases: {same} {counts(load_db)}")
        full = max(npc_runs, key=lambda r: r.rate)
        baseline = full.lines / min(load_runs)
        ratio = full.rate / baseline
        print(f"\n  best of two: npc {full.rate:,.0f} lines/s, LOAD DATA {baseline:,.0f} lines/s")
        print(f"  npc / LOAD DATA >= {AIM_RATIO}   {verdict(ratio >= AIM_RATIO)}  ({ratio:.2f})")

        print(f"\n[4] peak RSS of npc import at {small_lines:,} and {LINES:,} lines")
        _, small_url = stack.enter_context(fresh_database("small"))
        small = npc_import(small_url, tmp / f"lines-{small_lines}.jsonl")
        print(f"  {small_lines:>9,} lines: {small.peak_rss_mb:6.1f} MB ({small.rate:,.0f} lines/s)")
        peak = max(r.peak_rss_mb for r in npc_runs)
        print(f"  {LINES:>9,} lines: {peak:6.1f} MB")
        flat = peak <= small.peak_rss_mb * AIM_FLAT
        print(
            f"  flat (x{AIM_FLAT} at most) and <= {AIM_RSS_MB:.0f} MB   "
            f"{verdict(flat and peak <= AIM_RSS_MB)}  "
            f"(x{peak / small.peak_rss_mb:.2f}, {peak:.0f} MB)"
        )
    print(f"\ntotal runtime {time.monotonic() - started:.0f} s (databases dropped, files removed)")


if __name__ == "__main__":
    main()
