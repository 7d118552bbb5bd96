"""What a button press imports before any work: the command line xlwings' RunPython runs
(``python -B -c "import xlwings.utils;xlwings.utils.prepare_sys_path(...); import
selfeval_xl.excel as x; x.validate_data()"``, see xlwings.bas ExecuteWindows) up to the
call. ``--list`` prints the top-level modules loaded."""

import sys

import xlwings.utils  # noqa: F401 - RunPython's own first import

import selfeval_xl.excel as x  # noqa: F401,E402 - the buttons' import

if "--list" in sys.argv:
    print("\n".join(sorted({m.split(".")[0] for m in sys.modules})))
