"""The layering of the packages is checked by import-linter (contracts in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert executable, "import-linter is not installed"
    return subprocess.run(
        [executable, "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_layers_contract_is_kept() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def test_the_contracts_catch_a_ledger_importing_the_bot_and_the_demo_the_fake(
    tmp_path: Path,
) -> None:
    """The check itself must be able to fail: a copy of the layout with bad imports."""
    for package in ("core", "ledger", "rewards", "bot", "admin", "moralbank", "fakebotapi"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    # Named by a contract, so they must exist.
    for module in ("runtime", "worker", "bench_broadcast", "bench_fake_api", "tryout"):
        (tmp_path / "moralbank" / f"{module}.py").write_text("")
    (tmp_path / "ledger" / "leak.py").write_text("import bot\n")
    # Try mode may play Telegram with the fake; the demo next to it may not.
    (tmp_path / "moralbank" / "tryout.py").write_text("import fakebotapi\n")
    (tmp_path / "moralbank" / "demo.py").write_text("import fakebotapi\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "ledger.leak -> bot" in result.stdout
    assert "moralbank.demo -> fakebotapi" in result.stdout
    assert "moralbank.tryout -> fakebotapi" not in result.stdout
