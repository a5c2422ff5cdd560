"""Where pywb's programs are: pywb runs in its own virtual environment.

pywb 2.10 pins ``redis==2.10.6`` (and ``fakeredis<1.0``, imported by its rewriter at run time), while
scrapy-redis needs ``redis>=4.2``: they cannot share one environment. ``make install`` puts pywb in
``.venv-pywb/`` next to the project's ``.venv/`` (``pywb-requirements.txt``); pywb is only ever run as a
program (``wayback``, ``wb-manager``), so nothing imports it.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

#: A pywb environment other than the default (its folder, holding ``bin/wayback``).
ENV_VAR = "PORTAL_ARCHIVE_PYWB_VENV"
DEFAULT_VENV = ".venv-pywb"


class PywbMissing(RuntimeError):
    """pywb's programs are not installed where the project looks for them."""


def pywb_program(name: str) -> Path:
    """The path of pywb's program ``name`` (``wayback``, ``wb-manager``): in ``$PORTAL_ARCHIVE_PYWB_VENV``,
    else in ``.venv-pywb`` beside the running environment (``make install``), else on ``PATH``."""
    places = []
    if os.environ.get(ENV_VAR):
        places.append(Path(os.environ[ENV_VAR]) / "bin" / name)
    places.append(Path(sys.prefix).parent / DEFAULT_VENV / "bin" / name)
    for place in places:
        if place.is_file() and os.access(place, os.X_OK):
            return place
    found = shutil.which(name)
    if found:
        return Path(found)
    raise PywbMissing(f"pywb's {name} is not installed (looked in {', '.join(map(str, places))} and on PATH); "
                      f"run `make install`, or set {ENV_VAR} to a virtual environment with pywb")
