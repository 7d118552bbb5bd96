"""The finance bureau's side: verify a workbook that arrives, collect a whole inbox.

Pipeline per file (docs/bureau.md): preflight on the bytes → sandboxed read through the
reader's safe source → checks, score, fingerprint → verdict; then, for an inbox, the
summary workbook and the SQLite database.
"""
