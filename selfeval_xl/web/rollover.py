"""Next year's workbook from this year's submission (year rollover).

What carries over is what stays true from one year to the next: the department's basics
(name, short name, number of units, preparer and phone), its functions, the indicator
table (codes, names, weights, methods, targets, rules and bands, without last year's
actual values, scores or deduction reasons), the analysis paragraphs as the report's
template text, and the grade bands. Figures, tasks, goals, outputs and conclusions are
the new year's own and start blank.
"""

from __future__ import annotations

import json
from dataclasses import replace

from selfeval_xl import datafile
from selfeval_xl.core.model import Basics, Evaluation


def next_year_evaluation(dept_name: str, year: int, last_json: str = "") -> Evaluation:
    """The Evaluation to build the department's workbook for ``year`` from.

    Args:
        dept_name: the account's department (always the name written, whatever last
            year's file said).
        year: the year to be evaluated.
        last_json: last year's evaluation in the data-file format, or "" for none.
    """
    from selfeval_xl.build.builder import template_evaluation

    if not last_json:
        return replace(template_evaluation(), basics=Basics(dept_name=dept_name, eval_year=year))
    last = datafile.from_dict(json.loads(last_json))
    b = last.basics
    basics = Basics(dept_name=dept_name, dept_self_ref=b.dept_self_ref,
                    sub_unit_count=b.sub_unit_count, preparer=b.preparer, phone=b.phone,
                    eval_year=year, dept_functions=b.dept_functions)
    indicators = tuple(replace(i, actual=None, manual_score=None, reason="")
                       for i in last.indicators) or template_evaluation().indicators
    return Evaluation(basics=basics, indicators=indicators, analysis=last.analysis,
                      grades=last.grades)
