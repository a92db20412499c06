"""Fetching the raw receipts (ricevute/imap.corpi): exactly what ``IMAPClient.fetch`` returns.

A real Dovecot; the shortcut that reads the usual answer without imapclient's general parser
must give the same bytes, and anything unusual must go to that parser.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from corrispondenza.ricevute import imap
from corrispondenza.ricevute.imap import _semplici, corpi
from corrispondenza.sandbox.dovecot import ServerDovecot

pytestmark = pytest.mark.integration

PASSWORD = "segreta"
_numeri = itertools.count()

MESSAGGI = [
    b"From: a@example.it\r\nSubject: uno\r\n\r\nriga\r\n",
    # a body that looks like IMAP
    b"From: a@example.it\r\nSubject: due\r\n\r\n)\r\n* 1 FETCH (UID 9 BODY[] {3}\r\n{5}\r\n",
    b"From: a@example.it\r\nSubject: tre\r\nContent-Type: text/plain; charset=latin-1\r\n\r\n\xe8 \xe0\r\n",
    b"From: a@example.it\r\nSubject: quattro\r\n\r\n" + b"x" * 70_000 + b"\r\n",
]


def _client(server: ServerDovecot, indirizzo: str) -> IMAPClient:
    client = IMAPClient(server.host, port=server.porta_imap, ssl=False, timeout=10)
    client.login(indirizzo, PASSWORD)
    client._imap.debug = 0  # as accedi_imap does
    return client


@pytest.fixture
def indirizzo(server_dovecot: ServerDovecot) -> str:
    indirizzo = f"corpi{next(_numeri)}@esempio.test"
    server_dovecot.aggiungi_casella(indirizzo, PASSWORD)
    return indirizzo


@pytest.fixture
def casella(server_dovecot: ServerDovecot, indirizzo: str) -> Iterator[tuple[IMAPClient, list[int]]]:
    """A fresh mailbox holding MESSAGGI, selected; its UIDs."""
    client = _client(server_dovecot, indirizzo)
    for m in MESSAGGI:
        client.append("INBOX", m)
    client.select_folder("INBOX")
    try:
        yield client, sorted(client.search("ALL"))
    finally:
        client.logout()


def _come_imapclient(client: IMAPClient, uids: list[int]) -> dict[int, bytes]:
    return {u: v[b"BODY[]"] for u, v in client.fetch(uids, ["BODY.PEEK[]"]).items()}


def test_i_byte_sono_quelli_di_imapclient_per_la_via_breve(
    casella: tuple[IMAPClient, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, uids = casella
    letti: list[dict | None] = []
    vero = imap._semplici
    monkeypatch.setattr(imap, "_semplici", lambda data: letti.append(vero(data)) or letti[-1])
    risposte = corpi(client, uids)
    assert risposte == _come_imapclient(client, uids)
    assert [risposte[u] for u in uids] == MESSAGGI  # APPENDed bytes, as the server keeps them
    assert letti and all(x is not None for x in letti)  # Dovecot's usual answer: the short way


def test_uid_assenti_o_nessuno(casella: tuple[IMAPClient, list[int]]) -> None:
    client, uids = casella
    assert corpi(client, []) == {}
    assert corpi(client, [max(uids) + 100]) == {} == _come_imapclient(client, [max(uids) + 100])
    assert list(corpi(client, [uids[1], max(uids) + 100])) == [uids[1]]


def test_risposte_non_richieste_vanno_al_parser_di_imapclient(
    casella: tuple[IMAPClient, list[int]],
    server_dovecot: ServerDovecot,
    indirizzo: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A flag changed by another session arrives as ``* n FETCH (FLAGS …)`` with the answer:
    not the usual shape, so imapclient's parser reads it all, and the bytes are the same."""
    client, uids = casella
    generali: list[int] = []
    vero = imap.parse_fetch_response

    def spia(*argomenti, **opzioni):
        generali.append(1)
        return vero(*argomenti, **opzioni)

    monkeypatch.setattr(imap, "parse_fetch_response", spia)
    altro = _client(server_dovecot, indirizzo)
    try:
        altro.select_folder("INBOX")
        altro.add_flags([uids[0]], [b"\\Flagged"])
    finally:
        altro.logout()
    risposte = corpi(client, uids)
    assert generali, "an unsolicited FLAGS response must be read by imapclient's parser"
    assert [risposte[u] for u in uids] == MESSAGGI


@pytest.mark.parametrize(
    ("data", "breve"),
    [
        ([(b"1 (UID 7 BODY[] {3}", b"abc"), b")"], {7: b"abc"}),
        ([None], None),  # nothing found: imaplib's empty answer
        ([(b"1 (BODY[] {3} UID 7", b"abc"), b")"], None),  # items in another order
        ([(b"1 (UID 7 BODY[] {4}", b"abc"), b")"], None),  # size that does not match
        ([(b"1 (UID 7 BODY[] {3}", b"abc"), b" FLAGS (\\Seen))"], None),  # more items after
        ([b"1 (FLAGS (\\Seen))", (b"2 (UID 8 BODY[] {3}", b"abc"), b")"], None),  # unsolicited
        ([(b"1 (UID 7 BODY[] {3}", b"abc")], None),  # no closing parenthesis
        ([b'1 (UID 7 BODY[] "abc")'], None),  # a quoted body, no literal
    ],
)
def test_la_via_breve_solo_per_la_forma_consueta(data: list, breve: dict | None) -> None:
    assert _semplici(data) == breve


def test_un_errore_del_server_come_da_imapclient(casella: tuple[IMAPClient, list[int]]) -> None:
    client, _ = casella
    client.unselect_folder()
    with pytest.raises(IMAPClientError):
        corpi(client, [1])
