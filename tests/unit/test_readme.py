"""The README's library example runs as written, and npc_core needs nothing but attrs."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import attr
import attrs

import npc_core

ROOT = Path(__file__).resolve().parents[2]


def _example() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    match = re.search(r"<!-- library-example.*?-->\n```python\n(.*?)```", readme, re.DOTALL)
    assert match, "the README lost its library example"
    return match.group(1)


def test_readme_library_example_runs() -> None:
    """The exact snippet from the README runs and prints the merged traits it promises."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_example(), "README.md", "exec"), {"__name__": "readme"})  # noqa: S102
    lines = out.getvalue().splitlines()
    assert lines[0] == "['内向', 'Calm', '敏锐']"
    assert "外向" in lines[1]


def test_npc_core_imports_with_only_attrs_beside_the_standard_library(tmp_path: Path) -> None:
    """`import npc_core` (all of it) works on a path holding only npc_core, attrs and attr."""
    for package in (npc_core, attrs, attr):
        source = Path(str(package.__file__)).parent
        (tmp_path / source.name).symlink_to(source)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import npc_core, pkgutil, importlib\n"
        "for m in pkgutil.walk_packages(npc_core.__path__, 'npc_core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] not in sys.stdlib_module_names"
        " and n.split('.')[0] not in ('npc_core', 'attrs', 'attr', '__main__'))\n"
        "assert not bad, bad\n"
        "print(len(npc_core.__all__))"
    )
    # -S: no site-packages, -E: ignore PYTHONPATH, so only the standard library is there.
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-S", "-E", "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 100


def test_public_names_are_exported_and_typed() -> None:
    """Every name in `npc_core.__all__` exists, and the package ships `py.typed`."""
    assert all(hasattr(npc_core, name) for name in npc_core.__all__)
    assert (Path(str(npc_core.__file__)).parent / "py.typed").exists()
