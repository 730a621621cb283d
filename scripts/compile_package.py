"""Adds compiled bytecode to the Lambda zip ``chalice package`` wrote (``make package``).

Lambda unpacks the zip into a read-only ``/var/task``, so Python cannot cache bytecode
there: without ``.pyc`` files every cold start compiles every module it imports again
(the authorizer's imports, measured here: 230-400 ms from source, ~95 ms from bytecode).
The bytecode is "unchecked-hash": valid whatever the files' timestamps, which the zip does
not keep. It must come from the runtime's own Python version, which this checks against the
template beside the zip. Sources stay in the zip, for tracebacks.
"""

from __future__ import annotations

import argparse
import compileall
import py_compile
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

LAMBDA_ROOT = "/var/task"  # where tracebacks say the code is


def runtimes(template: Path) -> set[str]:
    """The ``Runtime`` of every function in a packaged template."""
    document = yaml.safe_load(template.read_text())
    return {
        resource["Properties"]["Runtime"]
        for resource in document["Resources"].values()
        if resource["Type"] in {"AWS::Serverless::Function", "AWS::Lambda::Function"}
    }


def check_interpreter(template: Path) -> None:
    """Refuse to compile with a Python the functions do not run (bytecode is per version)."""
    ours = f"python{sys.version_info.major}.{sys.version_info.minor}"
    theirs = runtimes(template)
    if theirs != {ours}:
        raise SystemExit(f"compile_package: functions run {sorted(theirs)}, this is {ours}")


def add_bytecode(archive: Path) -> int:
    """Rewrite ``archive`` with a ``__pycache__`` entry beside each module; returns how many."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        with zipfile.ZipFile(archive) as source:
            entries = source.infolist()
            source.extractall(root)
        compileall.compile_dir(
            root,
            ddir=LAMBDA_ROOT,
            quiet=2,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        known = {entry.filename for entry in entries}
        compiled = sorted(
            path.relative_to(root).as_posix()
            for path in root.rglob("*.pyc")
            if path.relative_to(root).as_posix() not in known
        )
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as target:
            for entry in entries:
                target.writestr(entry, (root / entry.filename).read_bytes())
            for name in compiled:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                target.writestr(info, (root / name).read_bytes(), zipfile.ZIP_DEFLATED)
    return len(compiled)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the folder chalice package wrote")
    args = parser.parse_args(argv)
    check_interpreter(args.package / "sam.yaml")
    count = add_bytecode(args.package / "deployment.zip")
    print(f"compile_package: {count} modules compiled into {args.package / 'deployment.zip'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
