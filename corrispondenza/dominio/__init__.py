"""Pure domain types: no I/O, no clock. Money in ``euro``, the vocabularies in ``tipi``."""
