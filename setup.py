"""Packaging lives in pyproject.toml; this file adds the one thing its `packages.find` cannot express.

`find` discovers packages by their folder names, so it never sees `templates/` as `bot.templates`:
a package mapped under another name in `[tool.setuptools.package-dir]`. After pyproject.toml is
read, every such mapped package and the folders below it (`templates/<locale>/...`) are added to
the package list, so their package data ships and setuptools finds no unlisted package.

That same mapping makes an editable install use setuptools' import finder, which always ends with an
"Editable installation." notice (its InformationOnly category: a note, not a problem). Only that
notice is silenced, so that any real packaging warning stands out in `make` output.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.dist import Distribution
from setuptools.warnings import InformationOnly

HERE = Path(__file__).parent


class MappedPackagesToo(Distribution):
    def parse_config_files(self, *args: Any, **kwargs: Any) -> None:
        super().parse_config_files(*args, **kwargs)
        packages = list(self.packages or [])
        for name, folder in (self.package_dir or {}).items():
            root = HERE / folder
            if not name or name in packages or not root.is_dir():
                continue
            packages.append(name)
            for sub in sorted(p for p in root.rglob("*") if p.is_dir() and p.name != "__pycache__"):
                packages.append(".".join([name, *sub.relative_to(root).parts]))
        self.packages = packages


warnings.filterwarnings("ignore", message="Editable installation", category=InformationOnly)
setup(distclass=MappedPackagesToo)
