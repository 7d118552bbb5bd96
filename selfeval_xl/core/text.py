"""Characters no file we write can hold.

XML 1.0 (every workbook part, every .docx) forbids the C0 control characters other than
tab, newline and carriage return, U+FFFE/U+FFFF, and lone surrogates (what a JSON "\\ud800"
escape or an undecodable file name reads back as). A text holding one would make a writer
fail (UnicodeEncodeError, python-docx's "All strings must be XML compatible"): the readers
refuse (data files) or drop (workbook cells, with a warning) them where they enter.
"""

from __future__ import annotations

import re

UNSAVABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def unsavable(text: str) -> re.Match | None:
    """The first character of ``text`` no XML file can hold, or None."""
    return UNSAVABLE.search(text)
