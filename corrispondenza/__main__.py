"""Allow ``python -m corrispondenza``."""

from corrispondenza.cli import main

main()
