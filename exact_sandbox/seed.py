"""Deterministic generated administrations (seeded random).

Each division gets a small Dutch chart of accounts, VAT codes, journals, units,
item groups, items and customer/supplier accounts with realistic NL/BE/UK
names and addresses.  Everything derives from ``random.Random(seed, division)``
so two runs with the same seed produce the same data.
"""
import random
import uuid

from .records import GL_TYPE_DESCRIPTIONS
from .values import pad

BASE_CREATED_MS = 1704067200000  # 2024-01-01T00:00:00Z: fixed so seeded data does not depend on the clock

DIVISION_NAMES = ["Demo Consultancy B.V.", "Demo Installatietechniek B.V.", "Demo Services Belgium BV",
                  "Demo Trading Ltd", "Demo Holding B.V."]

# code, description, type, VATTransactionType, percentage (fraction, reference §3.2 / choices table)
VAT_CODES = [
    ("0", "Geen BTW", "N", "B", 0.0),
    ("1", "BTW laag tarief, exclusief", "E", "B", 0.09),
    ("2", "BTW hoog tarief, exclusief", "E", "B", 0.21),
    ("3", "BTW verlegd", "B", "S", 0.0),
    ("4", "Export buiten EU", "B", "S", 0.0),
]

# code, description, type (reference §6.5), balance side, balance type
GL_ACCOUNTS = [
    ("1000", "Kas", 10, "D", "B"), ("1100", "Bank", 12, "D", "B"), ("1300", "Debiteuren", 20, "D", "B"),
    ("1500", "Af te dragen BTW hoog", 24, "C", "B"), ("1510", "Af te dragen BTW laag", 24, "C", "B"),
    ("1600", "Crediteuren", 22, "C", "B"), ("4000", "Lonen en salarissen", 125, "D", "W"),
    ("4400", "Kantoorkosten", 120, "D", "W"), ("4406", "Overige algemene kosten", 120, "D", "W"),
    ("7000", "Kostprijs omzet", 111, "D", "W"), ("7010", "Inkoop materialen", 111, "D", "W"),
    ("8000", "Omzet diensten", 110, "C", "W"), ("8010", "Omzet producten", 110, "C", "W"),
    ("8020", "Omzet licenties", 110, "C", "W"), ("8100", "Omzet buitenland", 110, "C", "W"),
]

# Two sales journals (Type 20; 70 is the default), a return-invoice, a purchase, cash, bank and general
# journal: an invoice may name only a sales journal (invoices.py)
JOURNALS = [("70", "Verkoopboek", 20), ("72", "Verkoopboek export", 20), ("71", "Verkoopboek creditnota's", 21),
            ("60", "Inkoopboek", 22), ("10", "Kas", 10), ("20", "Bank", 12), ("90", "Memoriaal", 90)]

# Exact: Legislation is an int (picqer Me.php); the numbers per country are the sandbox's choice (unverified)
LEGISLATIONS = {"NL": 1, "BE": 2, "DE": 3, "GB": 4, "US": 5, "FR": 6, "ES": 7}

UNITS = [("pc", "Stuk", True, "A", None), ("uur", "Uur", False, "T", "h"), ("dag", "Dag", False, "T", "d"),
         ("kg", "Kilogram", False, "W", None), ("maand", "Maand", False, "T", "mo")]

# code, description, IsDefault, revenue GL, cost GL, item code prefix
ITEM_GROUPS = [("001", "Diensten", 1, "8000", "7000", "SRV"), ("002", "Producten", 0, "8010", "7010", "PRD"),
               ("003", "Licenties", 0, "8020", "7000", "LIC")]

ITEM_WORDS = {
    "SRV": (["Consultancy", "Installatie", "Onderhoud", "Projectmanagement", "Training", "Support", "Advies",
             "Implementatie"], ["per uur", "senior", "junior", "op locatie", "remote", "weekend", "spoed"], "uur"),
    "PRD": (["Laptop", "Monitor", "Router", "Switch", "Kabelset", "Docking station", "Printer", "Toetsenbord"],
            ["15 inch", "27 inch", "zakelijk", "pro", "basis", "draadloos", "set van 5"], "pc"),
    "LIC": (["Licentie CRM", "Licentie boekhouding", "Cloud opslag", "Antivirus", "Back-up service",
             "E-mail hosting"], ["per gebruiker", "jaarlicentie", "maandlicentie", "enterprise", "standaard"], "maand"),
}

COUNTRIES = {  # share, legal forms, surnames, sectors, cities (postcode pattern), streets, language, vat prefix
    "NL": (0.7, ["B.V.", "BV", "Holding B.V.", "V.O.F."],
           ["Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
            "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit"],
           ["Installatietechniek", "Bouw", "Advies", "Transport", "Automatisering", "Schilderwerken",
            "Groothandel", "Accountants", "Makelaardij", "Elektro", "Metaal", "Catering"],
           [("Amsterdam", "10{:02d} {}{}"), ("Rotterdam", "30{:02d} {}{}"), ("Utrecht", "35{:02d} {}{}"),
            ("Eindhoven", "56{:02d} {}{}"), ("Groningen", "97{:02d} {}{}"), ("Zwolle", "80{:02d} {}{}")],
           ["Kerkstraat", "Dorpsstraat", "Stationsweg", "Industrieweg", "Molenweg", "Nieuwstraat",
            "Julianalaan", "Havenkade"], "NL", "NL{:09d}B01"),
    "BE": (0.2, ["BV", "NV", "BVBA", "CommV"],
           ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
            "De Smet"],
           ["Bouwwerken", "Consult", "Logistiek", "Dakwerken", "IT Services", "Vastgoed", "Elektriciteit"],
           [("Antwerpen", "20{:02d}"), ("Gent", "90{:02d}"), ("Brugge", "80{:02d}"), ("Leuven", "30{:02d}"),
            ("Hasselt", "35{:02d}")],
           ["Kerkstraat", "Stationsstraat", "Grote Markt", "Molenstraat", "Nieuwstraat"], "NL", "BE0{:09d}"),
    "GB": (0.1, ["Ltd", "Limited", "LLP", "PLC"],
           ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Thomas"],
           ["Engineering", "Consulting", "Logistics", "& Sons", "Building Services", "Digital"],
           [("London", "EC{}A {}{}"), ("Manchester", "M{} {}{}"), ("Bristol", "BS{} {}{}"),
            ("Leeds", "LS{} {}{}")],
           ["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"], "EN", "GB{:09d}"),
}
LETTERS = "ABCDEFGHJKLMNPRSTVWXZ"


def guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def audit(rng: random.Random, division: int, user: str) -> dict:
    created = BASE_CREATED_MS + rng.randrange(0, 365 * 86400) * 1000
    return {"Created": created, "Creator": user, "CreatorFullName": "Demo User", "Modified": created,
            "Modifier": user, "ModifierFullName": "Demo User", "Division": division}


def division_record(number: int, index: int, rng: random.Random) -> dict:
    name = DIVISION_NAMES[index % len(DIVISION_NAMES)]
    if index >= len(DIVISION_NAMES):  # many divisions (an MSP's companies): keep the names apart
        name = f"{name} {index // len(DIVISION_NAMES) + 1}"
    country = "BE" if "Belgium" in name else "GB" if "Ltd" in name else "NL"
    return {"Code": number, "Description": name, "Hid": index + 1, "HID": index + 1, "Current": index == 0,
            "Main": index == 0, "IsMainDivision": index == 0, "IsDossierDivision": False,
            "IsPracticeDivision": False, "IsHRDivision": False, "Status": 1,
            "BlockingStatus": 0, "Country": country, "CountryDescription": country, "Currency": "EUR",
            "CurrencyDescription": "Euro", "Legislation": LEGISLATIONS[country], "VATNumber": f"NL{rng.randrange(10**8, 10**9)}B01",
            "ChamberOfCommerceNumber": str(rng.randrange(10**7, 10**8)), "StartDate": BASE_CREATED_MS,
            "DivisionMoveDate": None, "City": "Utrecht", "Postcode": "3511 AB", "AddressLine1": "Oudegracht 1",
            "Created": BASE_CREATED_MS, "Modified": BASE_CREATED_MS}


def reference_data(rng: random.Random, division: int, user: str) -> dict[str, list[dict]]:
    """VAT codes, GL accounts, journals, units and item groups of one division."""
    vat = [{"ID": guid(rng), "Code": pad(code, ("l", 3)), "Description": text, "Type": kind,
            "VATTransactionType": transaction, "Percentage": percentage, "GLToPay": None, "GLToClaim": None,
            "IsBlocked": False, "Charged": False, "EUSalesListing": "N", "LegalText": None,
            **audit(rng, division, user)} for code, text, kind, transaction, percentage in VAT_CODES]
    gl = [{"ID": guid(rng), "Code": code, "Description": text, "Type": kind, "BalanceSide": side,
           "BalanceType": balance, "VATCode": None, "IsBlocked": False, "SearchCode": None,
           **audit(rng, division, user)} for code, text, kind, side, balance in GL_ACCOUNTS]
    gl_by_code = {account["Code"]: account for account in gl}
    for account in gl:
        account["TypeDescription"] = GL_TYPE_DESCRIPTIONS.get(account["Type"], "General")
    journals = [{"ID": guid(rng), "Code": code, "Description": text, "Type": kind, "GLAccount": None,
                 "Currency": "EUR", **audit(rng, division, user)} for code, text, kind in JOURNALS]
    units = [{"ID": guid(rng), "Code": code, "Description": text, "Active": True, "Main": main, "Type": kind,
              "TimeUnit": time_unit, "Division": division} for code, text, main, kind, time_unit in UNITS]
    groups = [{"ID": guid(rng), "Code": code, "Description": text, "IsDefault": default,
               "GLRevenue": gl_by_code[revenue]["ID"], "GLRevenueCode": revenue,
               "GLCosts": gl_by_code[cost]["ID"], "GLCostsCode": cost, "GLStock": None, "Notes": None,
               **audit(rng, division, user)} for code, text, default, revenue, cost, _ in ITEM_GROUPS]
    return {"VATCodes": vat, "GLAccounts": gl, "Journals": journals, "Units": units, "ItemGroups": groups}


def items(rng: random.Random, division: int, count: int, reference: dict, user: str) -> list[dict]:
    gl = {account["ID"]: account for account in reference["GLAccounts"]}
    vat = {code["Code"]: code for code in reference["VATCodes"]}
    units = {unit["Code"]: unit for unit in reference["Units"]}
    result = []
    for number in range(1, count + 1):
        group_index = rng.randrange(len(ITEM_GROUPS))
        group, prefix = reference["ItemGroups"][group_index], ITEM_GROUPS[group_index][5]
        nouns, details, unit = ITEM_WORDS[prefix]
        vat_code = pad("1" if rng.random() < 0.1 else "2", ("l", 3))
        price = round(rng.uniform(15, 1500), 2)
        result.append({
            "ID": guid(rng), "Code": f"{prefix}{number:05d}",
            "Description": f"{rng.choice(nouns)} {rng.choice(details)}"[:60], "ExtraDescription": None,
            "ItemGroup": group["ID"], "ItemGroupCode": group["Code"], "ItemGroupDescription": group["Description"],
            "SalesVatCode": vat_code, "SalesVatCodeDescription": vat[vat_code]["Description"],
            "GLRevenue": group["GLRevenue"], "GLRevenueCode": gl[group["GLRevenue"]]["Code"],
            "GLRevenueDescription": gl[group["GLRevenue"]]["Description"], "GLCosts": group["GLCosts"],
            "GLCostsCode": gl[group["GLCosts"]]["Code"], "GLCostsDescription": gl[group["GLCosts"]]["Description"],
            "CostPriceStandard": round(price * 0.6, 2), "StandardSalesPrice": price, "Unit": unit,
            "UnitDescription": units[unit]["Description"], "IsSalesItem": True, "IsPurchaseItem": prefix == "PRD",
            "IsStockItem": prefix == "PRD", "Barcode": None, "SearchCode": f"{prefix}{number}", "Notes": None,
            "StartDate": BASE_CREATED_MS, "EndDate": None, **audit(rng, division, user)})
    return result


def pick_country(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for country, spec in COUNTRIES.items():
        total += spec[0]
        if roll < total:
            return country
    return "NL"


def postcode(rng: random.Random, pattern: str) -> str:
    return pattern.format(rng.randrange(10, 99), rng.choice(LETTERS), rng.choice(LETTERS))


def account(rng: random.Random, division: int, number: int, user: str) -> dict:
    country = pick_country(rng)
    _, forms, surnames, sectors, cities, streets, language, vat_pattern = COUNTRIES[country]
    city, pattern = rng.choice(cities)
    surname = rng.choice(surnames)
    name = f"{surname[0].upper()}{surname[1:]} {rng.choice(sectors)} {rng.choice(forms)}"
    supplier = number % 20 == 0  # a few suppliers, the rest customers
    slug = name.split()[0].lower().replace("'", "")
    return {
        "ID": guid(rng), "Code": pad(number, ("r", 18)), "Name": name, "Status": "A" if supplier else "C",
        "Type": "A", "IsSupplier": supplier, "IsSales": not supplier, "IsPurchase": supplier, "Blocked": False,
        "AddressLine1": f"{rng.choice(streets)} {rng.randrange(1, 250)}", "AddressLine2": None,
        "Postcode": postcode(rng, pattern), "City": city, "State": None, "Country": pad(country, ("l", 3)),
        "CountryName": {"NL": "Nederland", "BE": "België", "GB": "Verenigd Koninkrijk"}[country],
        "Email": f"info@{slug}{number}.example", "Phone": f"+{ {'NL': 31, 'BE': 32, 'GB': 44}[country] } {rng.randrange(10**8, 10**9)}",
        "Website": f"www.{slug}{number}.example", "VATNumber": vat_pattern.format(rng.randrange(10**8, 10**9)),
        "ChamberOfCommerce": str(rng.randrange(10**7, 10**8)), "Language": pad(language, ("l", 10)),
        "SalesVATCode": pad("2", ("l", 3)) if country == "NL" else pad("3", ("l", 3)), "PurchaseVATCode": None,
        "PaymentConditionSales": rng.choice(["14", "30"]), "SearchCode": None, "Remarks": None,
        "StartDate": BASE_CREATED_MS, "EndDate": None, "Currency": "EUR", **audit(rng, division, user)}


def seed_division(store, division: int, index: int, config: dict, user: str) -> None:
    rng = random.Random(f"{config['seed']}-{division}")
    with store.transaction():
        store.insert_many(division, "Divisions", [(str(division), division_record(division, index, rng))])
        reference = reference_data(rng, division, user)
        for entity, rows in reference.items():
            store.insert_many(division, entity, [(row["ID"], row) for row in rows])
        store.insert_many(division, "Items", [(row["ID"], row) for row in
                                              items(rng, division, config["items"], reference, user)])
        batch = []
        for number in range(1, config["accounts"] + 1):
            batch.append(account(rng, division, number, user))
            if len(batch) == 5000:
                store.insert_many(division, "Accounts", [(row["ID"], row) for row in batch])
                batch = []
        store.insert_many(division, "Accounts", [(row["ID"], row) for row in batch])


def division_numbers(count: int) -> list[int]:
    return [100001 + index for index in range(count)]


def seed(store, config: dict, user: str) -> None:
    store.wipe()
    for index, division in enumerate(division_numbers(config["divisions"])):
        seed_division(store, division, index, config, user)
