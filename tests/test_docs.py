"""The docs keep step with the code (as sqlite-utils' test_docs does)."""

import re
from pathlib import Path

from selfeval_xl import layout
from selfeval_xl.cli import COMMAND_MODULES, main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

EXPECTED_COMMANDS = {"build", "export-data", "check", "score", "report", "doctor", "verify",
                     "collect", "trends", "serve", "users", "bureau-key", "receipt"}


def test_every_command_module_is_present():
    # The CLI tolerates no missing module: each name in COMMAND_MODULES is a real file.
    for name in COMMAND_MODULES:
        assert (ROOT / "selfeval_xl" / "cli" / f"{name}.py").exists(), name


def test_every_command_exists_and_is_documented():
    commands = main.load_all()
    assert set(commands) == EXPECTED_COMMANDS
    for name, cmd in commands.items():
        assert re.search(rf"selfeval-xl {re.escape(name)}\b", README), f"{name} missing from README"
        assert "示例：" in (cmd.help or ""), f"{name}: docstring needs a 示例： block"


def test_reporting_commands_have_json():
    for name in ("check", "score", "verify", "doctor"):
        opts = {o for p in main.load_all()[name].params for o in getattr(p, "opts", [])}
        assert "--json" in opts, name


def test_readme_links_exist():
    for link in re.findall(r"\]\((docs/[^)]+)\)", README):
        assert (ROOT / link).exists(), link


def test_contract_doc_lists_every_name_and_table():
    doc = (ROOT / "docs" / "workbook-contract.md").read_text(encoding="utf-8")
    for name in layout.defined_names():
        assert f"`{name}`" in doc, name
    for t in layout.TABLES:
        assert f"`{t.name}`" in doc, t.name
        for c in t.columns:
            assert c.header in doc, (t.name, c.header)


def test_quick_start_has_exactly_two_commands():
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert [c.split("#")[0].strip() for c in commands] == ["make example", "make test"]
