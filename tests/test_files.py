from __future__ import annotations

import os
from pathlib import Path

from rallyc.files import write_atomic


def test_new_files_get_the_umask_mode_and_replaced_files_keep_theirs(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "a" / "new.txt"
        write_atomic(fresh, "x")
        assert fresh.read_text() == "x" and fresh.stat().st_mode & 0o777 == 0o644
        script = tmp_path / "run.sh"
        script.write_text("old")
        script.chmod(0o755)
        write_atomic(script, "new")
        assert script.read_text() == "new" and script.stat().st_mode & 0o777 == 0o755
        assert not list(tmp_path.glob(".*.tmp"))
    finally:
        os.umask(umask)
