"""Without ``-v`` a crawl's log lines carry no traceback, also where Scrapy logs a Twisted ``Failure`` itself as
the message (its media pipeline: ``logger.exception(failure)`` for every failed media download)."""
from __future__ import annotations

import io
import logging

from scrapy.pipelines.files import FileException
from twisted.python.failure import Failure

from cli.crawl import OneLine


def _logged(emit, one_line: bool = True) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    if one_line:
        handler.addFilter(OneLine())
    logger = logging.getLogger("scrapy.pipelines.media.test")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return out.getvalue()


def test_a_failed_media_download_logs_one_line_without_its_traceback():
    try:
        try:
            raise FileException("download-error")
        except FileException:
            raise FileException  # Scrapy's media_failed, while handling the first one
    except FileException:
        failure = Failure()

    def emit(logger):
        try:
            failure.raiseException()
        except FileException:
            logger.exception(failure)

    assert "Traceback" in _logged(emit, one_line=False)  # what reached the crawl's output (CI of 977468f)
    assert _logged(emit) == "FileException\n"  # its one line


def test_an_exception_logged_with_a_message_keeps_the_message_and_drops_the_traceback():
    def emit(logger):
        try:
            raise ValueError("bad header")
        except ValueError:
            logger.exception("page %s failed", "http://example.org/a")

    assert _logged(emit) == "page http://example.org/a failed\n"
