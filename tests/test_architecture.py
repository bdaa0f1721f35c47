"""The layering of the packages is checked by import-linter (contracts in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

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
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_the_contract_catches_a_ledger_importing_the_bot(tmp_path: Path) -> None:
    """The check itself must be able to fail: a copy of the layout with one bad import."""
    for package in ("core", "ledger", "rewards", "bot", "admin", "moralbank", "fakebotapi"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for module in ("runtime", "worker"):  # named by a contract, so they must exist
        (tmp_path / "moralbank" / f"{module}.py").write_text("")
    (tmp_path / "ledger" / "leak.py").write_text("import bot\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "ledger.leak -> bot" in result.stdout
