Attribute VB_Name = "SelfEval"
' selfeval-xl: the three buttons on the guide sheet (shGuide).
' Each Sub hands over to Python through xlwings' RunPython (module xlwings, embedded
' in this workbook: standalone mode, no add-in needed). All the work - reading the
' workbook, checks, scoring, the report - is done by the Python package selfeval_xl,
' so the buttons, the UDFs and the command line give the same results.
' Each button first registers the worksheet functions' descriptions for the function
' wizard (module udf_help, generated at build time).
' ASCII only: the VBA editor is not Unicode; Chinese text lives in cells and Python.
' Nothing runs when the workbook opens or closes: only a button press starts Python.
' (Do not even name the event procedures here: mail gateways' macro scanners flag the
' words alone.)
Option Explicit

' Button 1: check the data; findings go to the check-results sheet.
Public Sub ValidateData()
    RegisterFunctionHelp
    RunPython "import selfeval_xl.excel as x; x.validate_data()"
End Sub

' Button 2: compute every indicator score in Python, beside the native formulas.
Public Sub ComputeScore()
    RegisterFunctionHelp
    RunPython "import selfeval_xl.excel as x; x.compute_score()"
End Sub

' Button 3: write the report sheet and the Word file next to the workbook.
Public Sub GenerateReport()
    RegisterFunctionHelp
    RunPython "import selfeval_xl.excel as x; x.generate_report()"
End Sub
