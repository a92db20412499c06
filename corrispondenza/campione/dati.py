"""Static tables behind the synthetic registry: comuni, names, streets, company names.

Kept apart from the logic so that the generator modules stay short and the data can be
reviewed on its own. Every comune row is real (name, province, generic CAP, codice
catastale) because the codice fiscale embeds the codice catastale and a reader checking a
sample record against the Agenzia delle Entrate tables must find it consistent.
"""

from __future__ import annotations

from typing import NamedTuple


class Comune(NamedTuple):
    """A real Italian comune as it appears in an address and in a codice fiscale."""

    nome: str
    provincia: str
    cap: str
    catastale: str
    peso: int  # relative weight as place of residence (the ASL is in Emilia-Romagna)


COMUNI: tuple[Comune, ...] = (
    # Emilia-Romagna: where almost all debtors live.
    Comune("Bologna", "BO", "40100", "A944", 60),
    Comune("Imola", "BO", "40026", "E289", 10),
    Comune("Casalecchio di Reno", "BO", "40033", "B880", 6),
    Comune("San Lazzaro di Savena", "BO", "40068", "H945", 6),
    Comune("San Giovanni in Persiceto", "BO", "40017", "G467", 4),
    Comune("Budrio", "BO", "40054", "B249", 3),
    Comune("Castel San Pietro Terme", "BO", "40024", "C265", 3),
    Comune("Zola Predosa", "BO", "40069", "M185", 3),
    Comune("Pianoro", "BO", "40065", "G570", 3),
    Comune("Medicina", "BO", "40059", "F083", 3),
    Comune("Castel Maggiore", "BO", "40013", "C204", 3),
    Comune("Sasso Marconi", "BO", "40037", "G972", 2),
    Comune("Castenaso", "BO", "40055", "C292", 2),
    Comune("Granarolo dell'Emilia", "BO", "40057", "E136", 2),
    Comune("Anzola dell'Emilia", "BO", "40011", "A324", 2),
    Comune("Calderara di Reno", "BO", "40012", "B399", 2),
    Comune("Molinella", "BO", "40062", "F288", 2),
    Comune("Modena", "MO", "41100", "F257", 8),
    Comune("Carpi", "MO", "41012", "B819", 3),
    Comune("Sassuolo", "MO", "41049", "I462", 2),
    Comune("Formigine", "MO", "41043", "D711", 2),
    Comune("Vignola", "MO", "41058", "L885", 2),
    Comune("Mirandola", "MO", "41037", "F240", 1),
    Comune("Fiorano Modenese", "MO", "41042", "D607", 1),
    Comune("Castelfranco Emilia", "MO", "41013", "C107", 2),
    Comune("Reggio nell'Emilia", "RE", "42100", "H223", 5),
    Comune("Scandiano", "RE", "42019", "I496", 1),
    Comune("Correggio", "RE", "42015", "D037", 1),
    Comune("Guastalla", "RE", "42016", "E253", 1),
    Comune("Parma", "PR", "43100", "G337", 4),
    Comune("Fidenza", "PR", "43036", "B034", 1),
    Comune("Salsomaggiore Terme", "PR", "43039", "H720", 1),
    Comune("Piacenza", "PC", "29100", "G535", 2),
    Comune("Ferrara", "FE", "44100", "D548", 5),
    Comune("Cento", "FE", "44042", "C469", 2),
    Comune("Comacchio", "FE", "44022", "C912", 1),
    Comune("Bondeno", "FE", "44012", "A965", 1),
    Comune("Argenta", "FE", "44011", "A393", 1),
    Comune("Ravenna", "RA", "48100", "H199", 4),
    Comune("Faenza", "RA", "48018", "D458", 2),
    Comune("Lugo", "RA", "48022", "E730", 2),
    Comune("Cervia", "RA", "48015", "C553", 1),
    Comune("Forlì", "FC", "47100", "D704", 3),
    Comune("Cesena", "FC", "47521", "C573", 3),
    Comune("Rimini", "RN", "47900", "H294", 3),
    Comune("Riccione", "RN", "47838", "H274", 1),
    Comune("Cattolica", "RN", "47841", "C357", 1),
    # Large cities elsewhere: out-of-area patients and places of birth.
    Comune("Roma", "RM", "00100", "H501", 3),
    Comune("Milano", "MI", "20100", "F205", 2),
    Comune("Napoli", "NA", "80100", "F839", 2),
    Comune("Torino", "TO", "10100", "L219", 1),
    Comune("Firenze", "FI", "50100", "D612", 2),
    Comune("Genova", "GE", "16100", "D969", 1),
    Comune("Palermo", "PA", "90100", "G273", 1),
    Comune("Bari", "BA", "70100", "A662", 1),
    Comune("Catania", "CT", "95100", "C351", 1),
    Comune("Venezia", "VE", "30100", "L736", 1),
    Comune("Verona", "VR", "37100", "L781", 1),
    Comune("Padova", "PD", "35100", "G224", 1),
    Comune("Trieste", "TS", "34100", "L424", 1),
    Comune("Brescia", "BS", "25100", "B157", 1),
    Comune("Bergamo", "BG", "24100", "A794", 1),
    Comune("Cagliari", "CA", "09100", "B354", 1),
    Comune("Reggio di Calabria", "RC", "89100", "H224", 1),
    Comune("Messina", "ME", "98100", "F158", 1),
    Comune("Taranto", "TA", "74100", "L049", 1),
    Comune("Prato", "PO", "59100", "G999", 1),
    Comune("Perugia", "PG", "06100", "G478", 1),
    Comune("Ancona", "AN", "60100", "A271", 1),
    Comune("Pescara", "PE", "65100", "G482", 1),
    Comune("Salerno", "SA", "84100", "H703", 1),
    Comune("Foggia", "FG", "71100", "D643", 1),
    Comune("Mantova", "MN", "46100", "E897", 1),
    Comune("Cremona", "CR", "26100", "D150", 1),
    Comune("Pesaro", "PU", "61100", "G479", 1),
    Comune("Livorno", "LI", "57100", "E625", 1),
    Comune("Lecce", "LE", "73100", "E506", 1),
)

# Codici catastali of foreign countries, used as place of birth of people born abroad.
STATI_ESTERI: tuple[str, ...] = ("Z100", "Z129", "Z330", "Z210", "Z138", "Z352", "Z222")

# ISTAT province codes: digits 8-10 of a partita IVA name the provincial office.
UFFICI_IVA: dict[str, str] = {
    "BO": "037", "MO": "036", "RE": "035", "PR": "034", "PC": "033", "FE": "038",
    "RA": "039", "FC": "040", "RN": "099", "RM": "058", "MI": "015", "NA": "063",
    "TO": "001", "FI": "048", "GE": "010", "PA": "082", "BA": "072", "CT": "087",
    "VE": "027", "VR": "023", "PD": "028", "TS": "032", "BS": "017", "BG": "016",
    "CA": "092", "RC": "080", "ME": "083", "TA": "073", "PO": "100", "PG": "054",
    "AN": "042", "PE": "068", "SA": "065", "FG": "071", "MN": "020", "CR": "019",
    "PU": "041", "LI": "049", "LE": "075",
}  # fmt: skip


def _lista(testo: str) -> tuple[str, ...]:
    """Split a comma-separated literal, dropping duplicates but keeping the order."""
    return tuple(dict.fromkeys(p.strip() for p in testo.split(",") if p.strip()))


NOMI_MASCHILI = _lista("""
Marco, Giuseppe, Giovanni, Antonio, Francesco, Alessandro, Andrea, Luca, Matteo, Lorenzo,
Leonardo, Davide, Simone, Federico, Riccardo, Stefano, Paolo, Roberto, Massimo, Fabio, Mario,
Luigi, Salvatore, Vincenzo, Pietro, Angelo, Domenico, Michele, Carlo, Franco, Bruno, Giorgio,
Sergio, Claudio, Maurizio, Enrico, Alberto, Daniele, Emanuele, Filippo, Gabriele, Tommaso,
Edoardo, Nicola, Niccolò, Nicolò, Mattia, Gianluca, Giacomo, Diego, Samuele, Christian,
Cristian, Alessio, Manuel, Valerio, Vittorio, Umberto, Renato, Gino, Ugo, Aldo, Dario, Ivan,
Luciano, Giancarlo, Gian Marco, Pier Paolo, Ettore, Ernesto, Armando, Arturo, Raffaele,
Gennaro, Ciro, Rocco, Cosimo, Emilio, Guido, Silvio, Walter, Fausto, Ivano, Loris, Denis,
Mirko, Omar, Youssef, Mohamed, Ion, Andrei, Arben, Wei, Giordano, Elia, Achille, Cesare,
Ottavio, Rinaldo, Lino, Elio, Adriano, Jacopo, Gioele, Thomas, Kevin, Nicholas, Alex
""")

NOMI_FEMMINILI = _lista("""
Maria, Anna, Giuseppina, Rosa, Angela, Giovanna, Teresa, Lucia, Carmela, Caterina, Francesca,
Laura, Elena, Sara, Chiara, Giulia, Martina, Alessia, Valentina, Federica, Silvia, Paola,
Roberta, Monica, Barbara, Cristina, Simona, Daniela, Patrizia, Antonella, Stefania, Elisa,
Emanuela, Claudia, Sofia, Aurora, Ginevra, Alice, Beatrice, Emma, Giorgia, Greta, Vittoria,
Matilde, Noemi, Gaia, Camilla, Arianna, Rebecca, Nicole, Ilaria, Serena, Erika, Veronica,
Michela, Debora, Manuela, Tiziana, Loredana, Rita, Luisa, Franca, Graziella, Gabriella, Marisa,
Carla, Bruna, Lina, Ida, Iolanda, Nadia, Mirella, Ornella, Rosanna, Rossella, Marina,
Donatella, Cinzia, Sabrina, Katia, Elisabetta, Margherita, Irene, Agnese, Lucrezia, Benedetta,
Eleonora, Anna Maria, Maria Grazia, Maria Teresa, Rosa Maria, Zoe, Asia, Mia, Viola, Bianca,
Ludovica, Adele, Ester, Fatima, Ioana, Andreea, Olena, Jessica, Denise, Ilenia, Wilma, Dalia
""")

COGNOMI = _lista("""
Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo,
Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, Barbieri, Fontana, Santoro,
Mariani, Rinaldi, Caruso, Ferrara, Galli, Martini, Leone, Longo, Gentile, Martinelli, Vitale,
Lombardo, Serra, Coppola, De Santis, D'Angelo, Marchetti, Parisi, Villa, Conte, Ferraro, Ferri,
Fabbri, Bianco, Marini, Grasso, Valentini, Messina, Sala, De Angelis, Gatti, Pellegrini,
Palumbo, Sanna, Farina, Rizzi, Monti, Cattaneo, Morelli, Amato, Silvestri, Mazza, Testa,
Grassi, Pellegrino, Carbone, Giuliani, Benedetti, Barone, Rossetti, Caputo, Montanari, Guerra,
Palmieri, Bernardi, Martino, Fiore, De Rosa, Ferretti, Bellini, Basile, Riva, Donati, Piras,
Vitali, Battaglia, Sartori, Neri, Costantini, Milani, Pagano, Ruggiero, Sorrentino, D'Amico,
Orlando, Negri, Tassinari, Benini, Zanetti, Zanardi, Zanotti, Bertoni, Malaguti, Guidi,
Casadei, Bassi, Zucchini, Pasini, Magnani, Bonfiglioli, Degli Esposti, Dall'Olio, Dalla Valle,
Govoni, Mazzoni, Bergonzoni, Venturi, Forni, Rambaldi, Lambertini, Gherardi, Stanzani, Cavazza,
Lenzi, Cocchi, Marchi, Grandi, Manfredi, Casali, Minarelli, Rubbi, Tugnoli, Bonetti, Poggi,
Golinelli, Vignoli, Righi, Giovannini, Cavalli, Baraldi, Gualandi, Selmi, Bellei, Vandelli,
Montorsi, Ferrarini, Bonacini, Codeluppi, Notari, Ghidoni, Morini, Pedrazzi, Tosi, Gamberini,
Maccaferri, Querzè, Nannetti, Sabattini, Brini, Cenacchi, Monari, Zamboni, Landi, Vecchi,
Di Stefano, Lo Russo, La Rosa, D'Alessandro, Dell'Acqua, Di Marco, De Simone, Di Benedetto,
Cutrì, Fotì, Scognamiglio, Iannone, Iovine, Capuano, Cirillo, Gargiulo, Amoroso, Lo Bianco,
Di Pietro, Mastroianni, Schiavone, Santangelo, Sciortino, Lo Presti, Randazzo, Pappalardo,
Sapienza, Cuccu, Pinna, Melis, Deiana, Nicolò, Mele, Caputi, Greco, Esposti, Popescu,
Ionescu, Hoxha, Shehu, El Amrani, Benali, Chen, Hu, Kovalenko, Singh
""")

VIE = _lista("""
Via Roma, Via Giuseppe Garibaldi, Viale Giuseppe Mazzini, Piazza Cavour, Via Emilia,
Via Guglielmo Marconi, Via Dante Alighieri, Corso Italia, Via XX Settembre, Via IV Novembre,
Via Giacomo Matteotti, Via Antonio Gramsci, Via dell'Indipendenza, Strada Maggiore,
Via San Vitale, Via della Repubblica, Via Aldo Moro, Via John Fitzgerald Kennedy,
Via Giuseppe Verdi, Via Giacomo Puccini, Via dei Mille, Via Cesare Battisti, Via Nazario Sauro,
Via Leonardo da Vinci, Via Galileo Galilei, Via Giosuè Carducci, Via Giovanni Pascoli,
Via Alessandro Manzoni, Via Francesco Petrarca, Via Don Giovanni Minzoni,
Via Papa Giovanni XXIII, Piazza Garibaldi, Via della Libertà, Via Nuova, Via Goffredo Mameli,
Via Aurelio Saffi, Via Vittorio Veneto, Via Piave, Via Trento, Via Trieste, Viale Europa,
Via Fratelli Cervi, Via della Pace, Via Sant'Isaia, Via San Donato, Via Saragozza,
Viale Ercolani, Via Andrea Costa, Via Massarenti, Via del Pratello, Via Mascarella,
Via Zamboni, Via San Felice, Via Irnerio, Via Bellinzona, Via della Costituzione
""")

VIE_PRODUTTIVE = _lista("""
Via dell'Artigianato, Via dell'Industria, Via del Commercio, Via del Lavoro, Via dell'Agricoltura,
Via Emilia Levante, Via Emilia Ponente, Via di Corticella, Via dell'Elettronica,
Via della Cooperazione, Via Ferrarese, Via Stalingrado
""")

INSEGNE = _lista("""
Centrale, Stella, Aurora, La Piazzetta, Il Portico, San Luca, Due Torri, Il Mulino, La Quercia,
Sole, Emilia, Bella Napoli, Del Corso, La Rotonda, Il Girasole, Arcobaleno, La Lanterna,
Il Gabbiano, San Petronio, Le Torri
""")

# Company name templates. {c} and {c2}: surnames, {n}: a first name, {i}: a shop sign.
RAGIONI_SOCIALI: tuple[str, ...] = (
    "{c} Costruzioni S.r.l.",
    "Immobiliare {c} S.r.l.",
    "{c} & {c2} S.n.c.",
    "Studio Tecnico {c} S.r.l.s.",
    "{c} Trasporti S.p.A.",
    "Impresa Edile {c} {n} & C. S.a.s.",
    "Autofficina {c} di {c} {n}",
    "Cooperativa Sociale {i} Soc. Coop.",
    "{c} Servizi S.r.l.",
    "Farmacia {c} S.n.c. di {c} {n} & C.",
    '"{i}" Impianti S.r.l.',
)

RAGIONI_SOCIALI_ALIMENTARI: tuple[str, ...] = (
    "Ristorante {c} S.r.l.",
    'Trattoria "Da {n}" di {c} {n}',
    "Bar {i} S.a.s. di {c} {n} & C.",
    "Panificio {c} S.n.c.",
    "Macelleria {c} {n}",
    "Gelateria {i} S.r.l.s.",
    'Pizzeria "{i}" di {c} {n}',
    "Caseificio {i} Soc. Agr. Coop.",
    "Salumificio {c} S.p.A.",
    "Pasticceria {c} & {c2} S.n.c.",
    "Azienda Agricola {c} {n}",
    "Supermercato {i} S.r.l.",
    "Gastronomia {c} di {c} {n} & C. S.a.s.",
)
