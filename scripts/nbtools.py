"""Write a notebook from a list of cells, stored without outputs (used by scripts/make_nb_*.py)."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def write_notebook(path: Path, parameters: str, cells: list[tuple[str, str]], *, title: str) -> None:
    """``cells``: ("md"|"code", source). The first code cell is the tagged ``parameters`` cell."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells.append(new_markdown_cell(title, metadata={"tags": ["remove"]}))
    nb.cells.append(new_code_cell(parameters.strip(), metadata={"tags": ["parameters"]}))
    for kind, src in cells:
        nb.cells.append(new_markdown_cell(src.strip()) if kind == "md" else new_code_cell(src.strip()))
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i:02d}"
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
