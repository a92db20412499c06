"""The tables, as SQLAlchemy 2 declarative classes. Alembic migrations create them.

Names are Italian where they are the domain's words (soggetti, crediti, pagamenti, lettere,
eventi). Codes that a clerk types (codice fiscale, id del credito) are kept as given; the
numeric primary keys are internal.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from corrispondenza.store.tipi_colonna import Euro

NOMI = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NOMI)


class Blocco(Base):
    """A named lock for work that must not run twice at once (``store/blocchi.py``).

    ``titolare`` and ``scade_il`` are set only for a lease (``invia``), which outlives a transaction.
    """

    __tablename__ = "blocchi"

    nome: Mapped[str] = mapped_column(String(50), primary_key=True)
    titolare: Mapped[str | None] = mapped_column(String(200))
    scade_il: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Importazione(Base):
    """One import run that changed something: the "who, when, which file" of the rows it wrote."""

    __tablename__ = "importazioni"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tipo: Mapped[str] = mapped_column(String(20))
    file: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    quando: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    operatore: Mapped[str] = mapped_column(String(100))
    nuovi: Mapped[int] = mapped_column(Integer)
    aggiornati: Mapped[int] = mapped_column(Integer)
    invariati: Mapped[int] = mapped_column(Integer)
    scartati: Mapped[int] = mapped_column(Integer)


class Soggetto(Base):
    """A debtor, parent, guardian or heir: persona fisica or giuridica (Art. 4 c. 4)."""

    __tablename__ = "soggetti"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    codice_fiscale: Mapped[str] = mapped_column(String(16), unique=True)
    tipo: Mapped[str] = mapped_column(String(10))
    cognome: Mapped[str | None] = mapped_column(String(200))
    nome: Mapped[str | None] = mapped_column(String(200))
    ragione_sociale: Mapped[str | None] = mapped_column(String(300))
    data_nascita: Mapped[date | None] = mapped_column(Date)
    indirizzo: Mapped[str | None] = mapped_column(String(300))
    cap: Mapped[str | None] = mapped_column(String(5))
    comune: Mapped[str | None] = mapped_column(String(200))
    provincia: Mapped[str | None] = mapped_column(String(2))
    domicilio_indirizzo: Mapped[str | None] = mapped_column(String(300))
    domicilio_cap: Mapped[str | None] = mapped_column(String(5))
    domicilio_comune: Mapped[str | None] = mapped_column(String(200))
    domicilio_provincia: Mapped[str | None] = mapped_column(String(2))
    email: Mapped[str | None] = mapped_column(String(254))
    pec: Mapped[str | None] = mapped_column(String(254))
    deceduto_il: Mapped[date | None] = mapped_column(Date)
    fallito: Mapped[bool] = mapped_column(Boolean, default=False)
    fallimento_il: Mapped[date | None] = mapped_column(Date)
    importazione_id: Mapped[int | None] = mapped_column(ForeignKey("importazioni.id"))

    crediti: Mapped[list[Credito]] = relationship(back_populates="soggetto")


class Relazione(Base):
    """Art. 6 c. 8: a parent or guardian of a minor, or an heir with their quota (a fraction)."""

    __tablename__ = "relazioni"
    __table_args__ = (UniqueConstraint("soggetto_id", "collegato_id", "tipo"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    soggetto_id: Mapped[int] = mapped_column(ForeignKey("soggetti.id"), index=True)
    collegato_id: Mapped[int] = mapped_column(ForeignKey("soggetti.id"), index=True)
    tipo: Mapped[str] = mapped_column(String(10))
    quota_numeratore: Mapped[int | None] = mapped_column(Integer)
    quota_denominatore: Mapped[int | None] = mapped_column(Integer)
    importazione_id: Mapped[int | None] = mapped_column(ForeignKey("importazioni.id"))


class Credito(Base):
    """A credit of Art. 2, identified by its id in the struttura's own books."""

    __tablename__ = "crediti"
    __table_args__ = (UniqueConstraint("struttura", "id_esterno"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_esterno: Mapped[str] = mapped_column(String(50))
    struttura: Mapped[str] = mapped_column(String(20))
    tipo: Mapped[str] = mapped_column(String(1))
    soggetto_id: Mapped[int] = mapped_column(ForeignKey("soggetti.id"), index=True)
    numero_documento: Mapped[str | None] = mapped_column(String(50))
    data_documento: Mapped[date | None] = mapped_column(Date)
    data_prestazione: Mapped[date | None] = mapped_column(Date)
    scadenza: Mapped[date | None] = mapped_column(Date)
    importo: Mapped[Decimal] = mapped_column(Euro)
    descrizione: Mapped[str | None] = mapped_column(String(200))
    stato: Mapped[str] = mapped_column(String(20), index=True)
    fase: Mapped[str] = mapped_column(String(30))
    importazione_id: Mapped[int | None] = mapped_column(ForeignKey("importazioni.id"))

    soggetto: Mapped[Soggetto] = relationship(back_populates="crediti")
    pagamenti: Mapped[list[Pagamento]] = relationship(order_by="Pagamento.data")


class Pagamento(Base):
    """A payment (total or partial, Art. 6 c. 3) identified by its reference."""

    __tablename__ = "pagamenti"
    __table_args__ = (UniqueConstraint("credito_id", "riferimento"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credito_id: Mapped[int] = mapped_column(ForeignKey("crediti.id"), index=True)
    data: Mapped[date] = mapped_column(Date)
    importo: Mapped[Decimal] = mapped_column(Euro)
    riferimento: Mapped[str] = mapped_column(String(100))
    importazione_id: Mapped[int | None] = mapped_column(ForeignKey("importazioni.id"))


class Lotto(Base):
    """A mailing batch (``pianifica``): its letters, the credits left out and the reports."""

    __tablename__ = "lotti"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[date] = mapped_column(Date, index=True)
    stato: Mapped[str] = mapped_column(String(20), index=True)
    creato_il: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    creato_da: Mapped[str] = mapped_column(String(100))
    approvato_il: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approvato_da: Mapped[str | None] = mapped_column(String(100))

    lettere: Mapped[list[Lettera]] = relationship(back_populates="lotto", order_by="Lettera.id")


class Esclusione(Base):
    """A credit ``pianifica`` did not propose, with the article and the first possible day."""

    __tablename__ = "esclusioni"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lotto_id: Mapped[int] = mapped_column(ForeignKey("lotti.id"), index=True)
    credito_id: Mapped[int] = mapped_column(ForeignKey("crediti.id"))
    articolo: Mapped[str] = mapped_column(String(10))
    motivo: Mapped[str] = mapped_column(Text)
    dal: Mapped[date | None] = mapped_column(Date)


class Segnalazione(Base):
    """A report for another office: stralcio, bankruptcy, prescription, review, direct ruolo."""

    __tablename__ = "segnalazioni"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lotto_id: Mapped[int] = mapped_column(ForeignKey("lotti.id"), index=True)
    credito_id: Mapped[int] = mapped_column(ForeignKey("crediti.id"))
    tipo: Mapped[str] = mapped_column(String(20), index=True)
    articolo: Mapped[str] = mapped_column(String(10))
    motivo: Mapped[str] = mapped_column(Text)
    destinatario_id: Mapped[int | None] = mapped_column(ForeignKey("soggetti.id"))
    principale: Mapped[Decimal | None] = mapped_column(Euro)
    interessi: Mapped[Decimal | None] = mapped_column(Euro)
    spese: Mapped[Decimal | None] = mapped_column(Euro)
    maggiorazione: Mapped[Decimal | None] = mapped_column(Euro)


class Lettera(Base):
    """A letter: imported history (``origine`` storico) or planned in a lotto (``origine`` lotto).

    For planned letters the recipient, channel and every amount are frozen at approval; the
    per-credit amounts are on ``LetteraCredito``.
    """

    __tablename__ = "lettere"
    __table_args__ = (UniqueConstraint("origine", "id_esterno"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origine: Mapped[str] = mapped_column(String(10))
    id_esterno: Mapped[str | None] = mapped_column(String(200))
    tipo: Mapped[str] = mapped_column(String(30))
    canale: Mapped[str] = mapped_column(String(20))
    destinatario_id: Mapped[int] = mapped_column(ForeignKey("soggetti.id"), index=True)
    data_invio: Mapped[date | None] = mapped_column(Date)
    data_consegna: Mapped[date | None] = mapped_column(Date)
    esito: Mapped[str | None] = mapped_column(String(30))
    spese: Mapped[Decimal] = mapped_column(Euro, default=Decimal("0.00"))
    importazione_id: Mapped[int | None] = mapped_column(ForeignKey("importazioni.id"))
    lotto_id: Mapped[int | None] = mapped_column(ForeignKey("lotti.id"), index=True)
    stato: Mapped[str | None] = mapped_column(String(20))
    ruolo: Mapped[str | None] = mapped_column(String(10))
    struttura: Mapped[str | None] = mapped_column(String(20))
    principale: Mapped[Decimal | None] = mapped_column(Euro)
    interessi: Mapped[Decimal | None] = mapped_column(Euro)
    maggiorazione: Mapped[Decimal | None] = mapped_column(Euro)
    totale: Mapped[Decimal | None] = mapped_column(Euro)
    motivi: Mapped[list | None] = mapped_column(JSON)
    modello_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pagine: Mapped[int | None] = mapped_column(Integer)
    generata_il: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Sending (issue 6): the Message-ID is stored before the SMTP transaction starts.
    message_id: Mapped[str | None] = mapped_column(String(250), unique=True)
    indirizzo: Mapped[str | None] = mapped_column(String(254))
    tentativi: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    prossimo_tentativo: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    in_invio_dal: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    inviata_il: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    risposta: Mapped[str | None] = mapped_column(Text)
    riscontro: Mapped[str | None] = mapped_column(String(30))
    fascicolo: Mapped[str | None] = mapped_column(String(300))
    # Receipts (issue 7): the legal time of delivery, the provider's id, the raccomandata number.
    consegnata_il: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    identificativo: Mapped[str | None] = mapped_column(String(250), index=True)
    numero_raccomandata: Mapped[str | None] = mapped_column(String(40))

    crediti: Mapped[list[LetteraCredito]] = relationship(order_by="LetteraCredito.credito_id")
    lotto: Mapped[Lotto | None] = relationship(back_populates="lettere")


class LetteraCredito(Base):
    """Which credits a letter covers (one letter groups the credits of one recipient)."""

    __tablename__ = "lettere_crediti"

    lettera_id: Mapped[int] = mapped_column(ForeignKey("lettere.id"), primary_key=True)
    credito_id: Mapped[int] = mapped_column(ForeignKey("crediti.id"), primary_key=True, index=True)
    principale: Mapped[Decimal | None] = mapped_column(Euro)
    interessi: Mapped[Decimal | None] = mapped_column(Euro)
    spese: Mapped[Decimal | None] = mapped_column(Euro)
    maggiorazione: Mapped[Decimal | None] = mapped_column(Euro)
    residuo: Mapped[Decimal | None] = mapped_column(Euro)  # the credit's residual when planned


class TentativoInvio(Base):
    """One attempt at handing a letter to a mail server: the log row of the sending queue."""

    __tablename__ = "tentativi_invio"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lettera_id: Mapped[int] = mapped_column(ForeignKey("lettere.id"), index=True)
    numero: Mapped[int] = mapped_column(Integer)
    inizio: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fine: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    esito: Mapped[str] = mapped_column(String(20))
    codice: Mapped[int | None] = mapped_column(Integer)
    risposta: Mapped[str | None] = mapped_column(Text)
    eccezione: Mapped[str | None] = mapped_column(String(100))


class RicevutaLetta(Base):
    """A provider message read from the PEC mailbox: evidence kept, applied at most once."""

    __tablename__ = "ricevute"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identita: Mapped[str] = mapped_column(String(400), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    percorso: Mapped[str] = mapped_column(String(300))
    casella: Mapped[str] = mapped_column(String(254))
    cartella: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    classe: Mapped[str] = mapped_column(String(20))
    tipo: Mapped[str | None] = mapped_column(String(40))
    msgid: Mapped[str | None] = mapped_column(String(250), index=True)
    identificativo: Mapped[str | None] = mapped_column(String(250))
    consegna: Mapped[str | None] = mapped_column(String(254))
    data: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    zona: Mapped[str | None] = mapped_column(String(6))
    errore: Mapped[str | None] = mapped_column(String(40))
    errore_esteso: Mapped[str | None] = mapped_column(Text)
    esterno: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    firma: Mapped[str] = mapped_column(String(20))
    motivo: Mapped[str | None] = mapped_column(Text)
    lettera_id: Mapped[int | None] = mapped_column(ForeignKey("lettere.id"), index=True)
    effetto: Mapped[str | None] = mapped_column(String(40))
    letta_il: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CartellaImap(Base):
    """Where the reconciler is in one folder of one mailbox (UIDVALIDITY, last UID processed)."""

    __tablename__ = "cartelle_imap"
    __table_args__ = (UniqueConstraint("casella", "nome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    casella: Mapped[str] = mapped_column(String(254))
    nome: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    ultimo_uid: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Evento(Base):
    """The append-only journal: who, when, what, why (DESIGN.md, Data flow).

    Triggers created by the migration forbid UPDATE and DELETE on this table.
    """

    __tablename__ = "eventi"
    __table_args__ = (Index("ix_eventi_entita", "entita", "entita_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quando: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    operatore: Mapped[str] = mapped_column(String(100))
    cosa: Mapped[str] = mapped_column(String(50))
    perche: Mapped[str] = mapped_column(Text)
    entita: Mapped[str] = mapped_column(String(20))
    entita_id: Mapped[int | None] = mapped_column(Integer)
    dati: Mapped[dict | None] = mapped_column(JSON)
    importazione_id: Mapped[int | None] = mapped_column(ForeignKey("importazioni.id"))
