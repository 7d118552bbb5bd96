"""How the pages print what the engine stored: one spelling per figure and per verdict.

The stored records keep exact text ("96.00", the verdict's key "errors") for machines; people
read a score as every other output writes it (96 分, as the report and the CLI do, through
``scoring.fmt_score``) and a verdict by its Chinese label (bureau/verify's table).
"""

from __future__ import annotations

from selfeval_xl.bureau.verify import VERDICTS_BY_KEY
from selfeval_xl.core.money import stored_number
from selfeval_xl.core.scoring import fmt_result, fmt_score


def _shown(value: object, fmt) -> str:
    """A stored figure through ``fmt``; text that is not a figure as it is, nothing as ""."""
    number = stored_number(value)
    if number is not None:
        return fmt(number)
    return "" if value is None else str(value)


def score_text(value: object) -> str:
    """A stored score ("96.00", 95.5, None) as people read it: "96", "95.5", ""."""
    return _shown(value, fmt_score)


def result_text(value: object) -> str:
    """An indicator's stored score as the score tables print it (4.50), "" when not scored."""
    return _shown(value, fmt_result)


def verdict_text(key: object) -> str:
    """A verdict key ("errors") as its Chinese label ("校验有错误"); an unknown key as it is."""
    verdict = VERDICTS_BY_KEY.get(str(key or ""))
    return verdict.label if verdict else str(key or "")


def install(env) -> None:
    """Register the filters on a Jinja2 environment: ``{{ s.score|score }}`` (a total),
    ``{{ i.score|result }}`` (an indicator's score), ``{{ s.verdict|verdict }}``."""
    env.filters["score"] = score_text
    env.filters["result"] = result_text
    env.filters["verdict"] = verdict_text
