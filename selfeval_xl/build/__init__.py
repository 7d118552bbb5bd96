"""Making the template: the workbook built from ``layout`` in one pass.

- ``builder``: ``build_workbook(path, ev)`` / ``build_bytes(ev)`` (XlsxWriter, byte-reproducible);
- ``builder_sheets``, ``builder_guide``: the data sheets, the 使用说明 sheet and its buttons;
- ``vba_project``, ``udf_vba``: the VBA project (pyOpenVBA) and the generated UDF module;
- ``contract_doc``: the generated part of docs/workbook-contract.md.
"""

from selfeval_xl._public import lazy_face

__getattr__ = lazy_face(__name__, {"build_workbook": "builder", "build_bytes": "builder"})
__all__ = ["build_bytes", "build_workbook"]
