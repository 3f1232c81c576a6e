"""The built wheel carries schemas, grammar and templates and works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        check=True,
    )
    (built,) = out.glob("rallyc-*.whl")
    return built


def test_wheel_ships_the_data_folders(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "rallyc/schemas/team.rally.schema.json" in names
    assert "rallyc/grammar/rally.lark" in names
    assert any(name.startswith("rallyc/templates/") for name in names)


def test_installed_wheel_lints_from_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    # dependencies come from this interpreter's site-packages: tests never reach the network
    Path(site, "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)],
                   check=True)  # fmt: skip
    spec = tmp_path / "work" / EXAMPLES[0].name
    spec.parent.mkdir()
    spec.write_bytes(EXAMPLES[0].read_bytes())
    done = subprocess.run([str(environment / "bin" / "rallyc"), "lint", "--no-repo", spec.name],
                          cwd=spec.parent, capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    where = subprocess.run([str(python), "-c", "import rallyc; print(rallyc.__file__)"],
                           cwd=spec.parent, capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert where.startswith(str(environment))
