"""Archive-grade capture storage: the HTTP exchanges of each snapshot in WARC/1.1 files.

* :class:`WarcWriter` writes gzipped WARC/1.1 files under ``<root>/warc/<snapshot_id>/``
  and returns a :class:`WarcPointer` (file, offset, length, record id) per capture;
  :func:`recover` finishes the files of a crashed writer.
* :func:`read_record` / :func:`iter_responses` read captures back.
* :func:`write_cdxj` writes ``<root>/indexes/<snapshot_id>.cdxj`` (pywb / ReplayWeb.page).
* :func:`write_wacz` packages a snapshot as a WACZ 1.1.1 file.

Layout and naming: :mod:`archive.warc.layout`.  No Scrapy imports here.
"""

from .cdxj import surt_key, write_cdxj
from .reader import WarcReadError, WarcResponse, iter_responses, read_pointer, read_record
from .wacz import write_wacz
from .writer import WarcPointer, WarcWriteError, WarcWriter, recover

__all__ = [
    "WarcPointer",
    "WarcReadError",
    "WarcResponse",
    "WarcWriteError",
    "WarcWriter",
    "iter_responses",
    "read_pointer",
    "read_record",
    "recover",
    "surt_key",
    "write_cdxj",
    "write_wacz",
]
