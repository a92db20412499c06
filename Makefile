# corrispondenza — i comandi del README. Idempotenti: rieseguirli non rifà ciò che è già fatto.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Pacchetti Debian necessari. LibreOffice senza interfaccia,
# python3-uno per pilotarlo (solo /usr/bin/python3 lo importa), i font metricamente compatibili con
# quelli di Word (Carlito = Calibri, Caladea = Cambria, Liberation = Arial/Times) e poppler-utils;
# Dovecot (IMAP e LMTP) per il gestore PEC locale dei test e della demo.
APT_PACCHETTI := python3-venv postgresql \
	libreoffice-writer-nogui python3-uno fonts-crosextra-carlito fonts-crosextra-caladea \
	fonts-liberation2 fonts-dejavu poppler-utils \
	dovecot-imapd dovecot-lmtpd

.PHONY: setup demo test test-completo lint format compila bench bench-quick clean

setup: .stamp-apt .stamp-venv

.stamp-apt: Makefile scripts/installa-apt.sh
	bash scripts/installa-apt.sh $(APT_PACCHETTI)
	@touch $@

.stamp-venv: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

demo: setup
	$(VENV)/bin/corrispondenza --config config.yaml demo demo
	@echo "Per usare i comandi da questa cartella: source $(VENV)/bin/activate"

test: setup lint
	$(PY) -m pytest -m "not slow"

test-completo: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff format --check corrispondenza tests bench
	$(VENV)/bin/ruff check corrispondenza tests bench

format: setup
	$(VENV)/bin/ruff format corrispondenza tests bench
	$(VENV)/bin/ruff check --fix corrispondenza tests bench

# Il bytecode del pacchetto scritto una volta: i processi di lettura delle ricevute partono a ogni
# corsa e, dove PYTHONDONTWRITEBYTECODE è impostata, ricompilerebbero ogni volta i sorgenti
# (pip lo fa già per le dipendenze, non per un'installazione -e).
compila: setup
	$(PY) -m compileall -q corrispondenza

bench: compila
	$(PY) -m bench

bench-quick: compila
	$(PY) -m bench --rapido

clean:
	rm -rf demo .stamp-apt .stamp-venv
