"""Reading a workbook: any file or live book → the model and the reader's findings.

Everything is found through the workbook contract (defined names and table names), never by
cell address. Modules, from the outside in:

- ``reader``: the entry point (``read(path)``, ``read_source(source)``) and the model assembly;
- ``book_source``: the small protocol every source implements (names, tables, cell values);
- ``ooxml_source`` / ``ooxml_cells``: the safe OOXML source (bounded zip, defused XML),
  ``ooxml_parts``: the package's parts and relationships (shared with the writer);
- ``openpyxl_source``: the same protocol over openpyxl (tests, odd files);
- ``table_read``, ``model_tables``, ``cell_parse``: tables → rows → typed values with findings;
- ``formula_eval``: the few native formulas a file may hold without cached values.
"""

from selfeval_xl._public import lazy_face

__getattr__ = lazy_face(__name__, {
    "read": "reader", "read_source": "reader", "load": "reader", "ReadResult": "reader",
    "open_book": "ooxml_source", "OoxmlSource": "ooxml_source", "BookError": "ooxml_source",
})
__all__ = ["BookError", "OoxmlSource", "ReadResult", "load", "open_book", "read", "read_source"]
