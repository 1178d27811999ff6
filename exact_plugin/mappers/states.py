"""Account `State`: a state code valid for the account's country, mapped from common names.

Exact documents Account `State` as "State/Province/County code. When changing the Country and
the State is filled, the State must be assigned with a valid value from the selected country or
set to empty" (picqer Account.php / SyncAccount.php, from Exact's REST reference). A site's
state is free text here, so it is sent only when it is, or names, a code of its country;
otherwise it is left out and the record's badge says so (`state_note`).

Exact's own table of state codes is in no source we have: these are the ISO 3166-2 subdivision
codes without the country prefix (the sandbox makes the same unverified choice, docs/sandbox.md
§Strictness rules; the plugin keeps its own copy because it never imports the sandbox).
"""
import unicodedata

# {country: {code: (names...)}}
STATES = {
    "NL": {"DR": ("Drenthe",), "FL": ("Flevoland",), "FR": ("Friesland", "Fryslân"),
           "GE": ("Gelderland",), "GR": ("Groningen",), "LI": ("Limburg",),
           "NB": ("Noord-Brabant", "North Brabant"), "NH": ("Noord-Holland", "North Holland"),
           "OV": ("Overijssel",), "UT": ("Utrecht",), "ZE": ("Zeeland",),
           "ZH": ("Zuid-Holland", "South Holland")},
    "BE": {"BRU": ("Brussels", "Brussel", "Bruxelles", "Brussels-Capital"),
           "VAN": ("Antwerpen", "Antwerp"), "VBR": ("Vlaams-Brabant", "Flemish Brabant"),
           "VLI": ("Limburg",), "VOV": ("Oost-Vlaanderen", "East Flanders"),
           "VWV": ("West-Vlaanderen", "West Flanders"), "WBR": ("Brabant wallon",
                                                                "Walloon Brabant"),
           "WHT": ("Hainaut", "Henegouwen"), "WLG": ("Liège", "Luik"),
           "WLX": ("Luxembourg", "Luxemburg"), "WNA": ("Namur", "Namen")},
    "DE": {"BB": ("Brandenburg",), "BE": ("Berlin",), "BW": ("Baden-Württemberg",),
           "BY": ("Bayern", "Bavaria"), "HB": ("Bremen",), "HE": ("Hessen", "Hesse"),
           "HH": ("Hamburg",), "MV": ("Mecklenburg-Vorpommern",),
           "NI": ("Niedersachsen", "Lower Saxony"),
           "NW": ("Nordrhein-Westfalen", "North Rhine-Westphalia"),
           "RP": ("Rheinland-Pfalz", "Rhineland-Palatinate"), "SH": ("Schleswig-Holstein",),
           "SL": ("Saarland",), "SN": ("Sachsen", "Saxony"),
           "ST": ("Sachsen-Anhalt", "Saxony-Anhalt"), "TH": ("Thüringen", "Thuringia")},
    "GB": {"ENG": ("England",), "NIR": ("Northern Ireland",), "SCT": ("Scotland",),
           "WLS": ("Wales",)},
    "US": {"AK": ("Alaska",), "AL": ("Alabama",), "AR": ("Arkansas",), "AZ": ("Arizona",),
           "CA": ("California",), "CO": ("Colorado",), "CT": ("Connecticut",),
           "DC": ("District of Columbia", "Washington DC", "Washington D.C."),
           "DE": ("Delaware",), "FL": ("Florida",), "GA": ("Georgia",), "HI": ("Hawaii",),
           "IA": ("Iowa",), "ID": ("Idaho",), "IL": ("Illinois",), "IN": ("Indiana",),
           "KS": ("Kansas",), "KY": ("Kentucky",), "LA": ("Louisiana",),
           "MA": ("Massachusetts",), "MD": ("Maryland",), "ME": ("Maine",),
           "MI": ("Michigan",), "MN": ("Minnesota",), "MO": ("Missouri",),
           "MS": ("Mississippi",), "MT": ("Montana",), "NC": ("North Carolina",),
           "ND": ("North Dakota",), "NE": ("Nebraska",), "NH": ("New Hampshire",),
           "NJ": ("New Jersey",), "NM": ("New Mexico",), "NV": ("Nevada",),
           "NY": ("New York",), "OH": ("Ohio",), "OK": ("Oklahoma",), "OR": ("Oregon",),
           "PA": ("Pennsylvania",), "RI": ("Rhode Island",), "SC": ("South Carolina",),
           "SD": ("South Dakota",), "TN": ("Tennessee",), "TX": ("Texas",), "UT": ("Utah",),
           "VA": ("Virginia",), "VT": ("Vermont",), "WA": ("Washington",),
           "WI": ("Wisconsin",), "WV": ("West Virginia",), "WY": ("Wyoming",)},
    "CA": {"AB": ("Alberta",), "BC": ("British Columbia",), "MB": ("Manitoba",),
           "NB": ("New Brunswick",), "NL": ("Newfoundland and Labrador", "Newfoundland"),
           "NS": ("Nova Scotia",), "NT": ("Northwest Territories",), "NU": ("Nunavut",),
           "ON": ("Ontario",), "PE": ("Prince Edward Island",), "QC": ("Quebec", "Québec"),
           "SK": ("Saskatchewan",), "YT": ("Yukon",)},
    "AU": {"ACT": ("Australian Capital Territory",), "NSW": ("New South Wales",),
           "NT": ("Northern Territory",), "QLD": ("Queensland",), "SA": ("South Australia",),
           "TAS": ("Tasmania",), "VIC": ("Victoria",), "WA": ("Western Australia",)},
}


def _key(text):
    """Names compare without case, accents, dots, hyphens or extra spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.replace("-", " ").replace(".", "").lower().split())


_BY_NAME = {country: {**{_key(code): code for code in codes},
                      **{_key(name): code for code, names in codes.items() for name in names}}
            for country, codes in STATES.items()}


def state_code(country, state):
    """The Exact state code for a free-text state in `country`, or None when there is none."""
    if not state or not str(state).strip():
        return None
    country = (country or "").strip().upper()
    return _BY_NAME.get(country, {}).get(_key(str(state)))


def state_note(country, state):
    """The badge's note when a filled-in state cannot be sent, else None."""
    if not state or not str(state).strip() or state_code(country, state):
        return None
    where = f"for country {country.strip().upper()}" if country and country.strip() else \
        "without a country"
    return (f"The state {state.strip()!r} was not sent to Exact Online: Exact only accepts a "
            f"state code valid {where} (e.g. 'NH' for Noord-Holland, 'CA' for California). "
            f"Correct the state, or leave it empty, and save again.")
