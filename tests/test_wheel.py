"""The wheel carries grammar/, specs/ and stdlib/, and works installed outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with only the built wheel installed; its dependencies come
    from this environment's site-packages through a path file (no network, no editable migc)."""
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True, capture_output=True,
    )
    wheel = next(dist.glob("migc-*.whl"))
    env_dir = work / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "outer-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)], check=True, capture_output=True)
    return env_dir


def test_wheel_contains_the_data_directories(installed: Path) -> None:
    python = installed / "bin" / "python"
    out = subprocess.run(
        [str(python), "-c", "import migc, migc.resources as r; print(migc.__file__); print(r.grammar_path()); print(r.specs_dir()); print(r.stdlib_dir())"],
        check=True, capture_output=True, text=True, cwd=installed,
    ).stdout.splitlines()
    assert str(installed) in out[0], "migc was imported from outside the fresh environment"
    for line in out[1:]:
        assert str(installed) in line and Path(line).exists()


def test_installed_migc_checks_an_example_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    example = tmp_path / "netmera_to_zoho.mig"
    shutil.copy(ROOT / "examples" / "netmera_to_zoho.mig", example)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(installed / "bin" / "migc"), "check", example.name], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout
