"""Reading the JSON files an officer edits by hand (data files, report templates), with
Chinese messages that say where the file is wrong (line and column), never Python's
English ``Expecting ',' delimiter: line 3 column 5 (char 41)``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from selfeval_xl.core.json_errors import syntax_message


# A data file or template is a few tens of KB; a far larger one is not ours.
MAX_JSON_BYTES = 16 * 1024 * 1024


class JsonFileError(ValueError):
    """The file cannot be read as JSON; the message (Chinese) names the file and the line."""


def read(path: str | Path, what: str) -> Any:
    """The parsed JSON of ``path``; ``what`` names the kind of file in messages (数据文件).

    Raises:
        JsonFileError: missing, unreadable, not UTF-8, or not JSON.
    """
    from selfeval_xl.read.ooxml_source import BookError, read_file

    path = Path(path)
    try:
        # a regular file of at most 16 MB: a named pipe or a device is refused, not waited on
        text = read_file(path, MAX_JSON_BYTES).decode("utf-8-sig")
    except BookError as exc:
        if exc.code == "READ_TOO_LARGE":
            raise JsonFileError(f"{what}“{path}”超过 {MAX_JSON_BYTES // 1048576} MB，不予读取。") from None
        if not path.exists() and not path.is_symlink():
            raise JsonFileError(f"找不到{what}“{path}”。") from None
        if path.is_dir():
            raise JsonFileError(f"“{path}”是文件夹，不是{what}。") from None
        raise JsonFileError(f"无法读取{what}“{path}”：{exc.message}") from None
    except FileNotFoundError:
        raise JsonFileError(f"找不到{what}“{path}”。") from None
    except IsADirectoryError:
        raise JsonFileError(f"“{path}”是文件夹，不是{what}。") from None
    except OSError as exc:
        raise JsonFileError(f"无法读取{what}“{path}”：{exc.strerror or exc}。") from None
    except UnicodeDecodeError:
        raise JsonFileError(f"{what}“{path}”不是 UTF-8 编码的文本，请用 UTF-8 保存。") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonFileError(f"{what}“{path}”不是有效的 JSON，{syntax_message(exc)}。") from None
