"""One way for a package to name its public face without importing it all up front.

Each job's package (read/, write/, render/, build/) lists the names it offers and the module
that defines each; a name is imported on first use (PEP 562), so ``import selfeval_xl.render``
does not load python-docx for a command that writes only Markdown.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable


def lazy_face(package: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``package.<module>`` for each public name."""

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{module}"), name)

    return __getattr__
