"""Builds libdrbert_data (the Swift C ABI) into the package, or copies DRBERT_DATA_LIB.

`pip install bindings/python` runs `swift build -c release --product drbert_data` in the
repository this directory belongs to; set DRBERT_DATA_LIB=/path/libdrbert_data.so to use
a library built elsewhere instead."""
import os
import pathlib
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = pathlib.Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent


def built_library():
    explicit = os.environ.get("DRBERT_DATA_LIB")
    if explicit:
        return pathlib.Path(explicit)
    if not (REPOSITORY / "Package.swift").is_file():
        raise SystemExit("drbert_data: no Package.swift at %s; set DRBERT_DATA_LIB to a built libdrbert_data" % REPOSITORY)
    swift = os.environ.get("SWIFT", "swift")
    subprocess.check_call([swift, "build", "-c", "release", "--product", "drbert_data"], cwd=REPOSITORY)
    bin_path = subprocess.check_output(
        [swift, "build", "-c", "release", "--show-bin-path"], cwd=REPOSITORY, text=True).strip()
    for name in ("libdrbert_data.so", "libdrbert_data.dylib"):
        if (pathlib.Path(bin_path) / name).is_file():
            return pathlib.Path(bin_path) / name
    raise SystemExit("drbert_data: swift build left no libdrbert_data in %s" % bin_path)


class BuildWithLibrary(build_py):
    def run(self):
        super().run()
        library = built_library()
        target = pathlib.Path(self.build_lib) / "drbert_data" / library.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(library, target)


class PlatformDistribution(Distribution):
    """The wheel carries a native library, so it is tagged for this platform."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=PlatformDistribution)
