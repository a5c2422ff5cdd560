"""The one-way flow: re-extracting stored pages needs neither Scrapy nor the crawler."""
import subprocess
import sys

from tests.conftest import ROOT


def test_extraction_and_reextract_import_no_scrapy_and_no_crawler():
    code = ("import sys, pipelines.extract, pipelines.rows, pipelines.reextract, archive.query, archive.verify; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted', 'crawler')); "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
