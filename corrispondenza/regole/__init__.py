"""The Regolamento as pure functions: (facts, date, config) → decisions with their article.

Nothing here reads files, the network, the database or the clock (STYLE.md, "Pure core");
``tests/regole/test_purezza.py`` checks the imports.
"""
