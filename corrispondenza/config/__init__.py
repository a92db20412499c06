"""config.yaml: the office's settings, validated (``schema``) and loaded (``carica``)."""

from corrispondenza.config.carica import ConfigCaricata, carica_config
from corrispondenza.config.schema import Config

__all__ = ["Config", "ConfigCaricata", "carica_config"]
