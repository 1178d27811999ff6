"""Demo data for `flask --app app seed-demo`: a small Dutch/Belgian/UK IT services company.

Creates top levels, tax rates (0, 9 and 21 %), GL accounts, product groups, about 100 products,
50 customers with their sites and about 100 invoices with lines. The content is generated from
the tables below with a fixed random seed, so every run produces the same records; each record
is looked up by its natural key first (name, code, accounting ID, invoice number), so running
the command twice creates nothing the second time and never changes what a user edited.
"""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from backoffice.db import db
from backoffice.models import (Customer, GLAccount, Invoice, InvoiceLine, Product, ProductGroup,
                               Site, TaxRate, TopLevel)

SEED = 20260301
CUSTOMER_COUNT = 50
INVOICE_COUNT = 100
FIRST_CUSTOMER_ID = 10001

TOP_LEVELS = ["Managed services", "Project customers", "Education", "Public sector"]

# (name, percentage)
TAX_RATES = [("VAT 0%", "0"), ("VAT low 9%", "9"), ("VAT high 21%", "21")]

# (code, name, type)
GL_ACCOUNTS = [
    ("1300", "Accounts receivable", "balance"),
    ("1600", "Accounts payable", "balance"),
    ("1500", "VAT payable", "balance"),
    ("8000", "Revenue services", "income"),
    ("8010", "Revenue hardware", "income"),
    ("8020", "Revenue software licences", "income"),
    ("8030", "Revenue cloud subscriptions", "income"),
    ("8040", "Revenue training", "income"),
    ("7000", "Cost of services (subcontracting)", "expense"),
    ("7010", "Cost of hardware", "expense"),
    ("7020", "Cost of software licences", "expense"),
    ("7030", "Cost of cloud subscriptions", "expense"),
    ("7040", "Cost of training", "expense"),
]


@dataclass
class GroupSpec:
    """A product group, its default accounts and the products generated in it."""
    name: str
    code: str
    income: str
    expense: str
    tax_rate: str
    # (name, price, cost); each is sold in the variants below
    products: list = field(default_factory=list)
    variants: list = field(default_factory=lambda: [""])


PRODUCT_GROUPS = [
    GroupSpec("Services", "SRV", "8000", "7000", "VAT high 21%", [
        ("Remote support hour", "85.00", "0"), ("On-site support hour", "105.00", "0"),
        ("Project engineering hour", "115.00", "0"), ("Consultancy day", "950.00", "0"),
        ("Network audit", "1450.00", "300.00"), ("Security assessment", "2450.00", "600.00"),
        ("Travel costs (per km)", "0.23", "0"), ("Managed workplace (per user, month)", "42.50",
                                                 "18.00"),
    ], ["", " - evening", " - weekend"]),
    GroupSpec("Hardware", "HW", "8010", "7010", "VAT high 21%", [
        ("Laptop Dell Latitude 5450", "1249.00", "1010.00"),
        ("Laptop Lenovo ThinkPad T14", "1389.00", "1120.00"),
        ("Monitor 27 inch QHD", "329.00", "251.00"),
        ("Docking station USB-C", "229.00", "172.00"),
        ("Switch 24 ports PoE", "689.00", "540.00"),
        ("Firewall appliance", "1590.00", "1250.00"),
        ("Access point Wi-Fi 6", "279.00", "205.00"),
        ("NAS 4 bays", "749.00", "590.00"),
    ], ["", " (refurbished)", " with 3-year warranty"]),
    GroupSpec("Software licences", "SW", "8020", "7020", "VAT high 21%", [
        ("Antivirus endpoint licence (1 year)", "39.00", "24.00"),
        ("Backup agent licence (1 year)", "89.00", "55.00"),
        ("Windows 11 Pro upgrade", "179.00", "139.00"),
        ("PDF editor licence", "129.00", "92.00"),
        ("Password manager (per user, year)", "36.00", "22.00"),
    ], ["", " - education", " - non-profit"]),
    GroupSpec("Cloud subscriptions", "CLD", "8030", "7030", "VAT high 21%", [
        ("Microsoft 365 Business Basic (month)", "5.60", "4.90"),
        ("Microsoft 365 Business Standard (month)", "11.70", "10.30"),
        ("Microsoft 365 Business Premium (month)", "20.60", "18.10"),
        ("Exchange Online Plan 1 (month)", "4.00", "3.50"),
        ("Cloud backup 100 GB (month)", "12.50", "6.00"),
        ("Hosted firewall (month)", "49.00", "21.00"),
        ("Virtual server 4 vCPU (month)", "119.00", "64.00"),
    ], ["", " - annual commitment", " - non-profit"]),
    GroupSpec("Training", "TRN", "8040", "7040", "VAT 0%", [
        ("Cyber awareness workshop", "495.00", "120.00"),
        ("Microsoft 365 end-user course", "295.00", "80.00"),
        ("Administrator training day", "750.00", "200.00"),
    ], ["", " - online"]),
    GroupSpec("Books and manuals", "BK", "8040", "7040", "VAT low 9%", [
        ("Printed user manual", "24.95", "9.00"),
        ("IT policy handbook", "39.50", "14.00"),
        ("Security pocket guide", "12.50", "4.00"),
    ], ["", " (Dutch edition)", " (English edition)"]),
]

NAME_STEMS = ["Van Dijk", "De Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder",
              "Peeters", "Janssens", "Maes", "Claes", "Wouters", "Willems", "Hughes", "Patel",
              "Thompson", "Walker", "Noordzee", "Polder", "Scheldt", "Kempen", "Brabant",
              "Thames", "Pennine", "Zuidas", "Maasland", "Ardennes", "Westhoek", "Cotswold"]
NAME_TRADES = ["Accountants", "Logistics", "Bouw", "Advocaten", "Dental Care", "Architecten",
               "Engineering", "Transport", "Installatietechniek", "Consultancy", "Foods",
               "Makelaardij", "Print", "Medical", "Retail", "Solicitors", "Veterinary"]


@dataclass(frozen=True)
class CountrySpec:
    code: str
    suffixes: tuple
    cities: tuple          # (city, postcode prefix or full postcode pattern)
    streets: tuple
    phone_prefix: str
    vat_format: str        # formatted with a 9- or 10-digit number


COUNTRIES = [
    CountrySpec("NL", ("B.V.", "V.O.F.", "B.V."),
                (("Amsterdam", "1012"), ("Rotterdam", "3011"), ("Utrecht", "3511"),
                 ("Eindhoven", "5611"), ("Den Haag", "2511"), ("Groningen", "9711"),
                 ("Breda", "4811"), ("Zwolle", "8011")),
                ("Keizersgracht", "Stationsweg", "Industrieweg", "Marktstraat", "Kerkstraat",
                 "Dorpsstraat", "Havenkade"),
                "+31 20 ", "NL{:09d}B01"),
    CountrySpec("BE", ("NV", "BV", "CommV"),
                (("Antwerpen", "2000"), ("Gent", "9000"), ("Brussel", "1000"),
                 ("Leuven", "3000"), ("Brugge", "8000"), ("Hasselt", "3500")),
                ("Meir", "Veldstraat", "Kerkstraat", "Stationsstraat", "Nijverheidslaan"),
                "+32 3 ", "BE0{:09d}"),
    CountrySpec("GB", ("Ltd", "LLP", "Ltd"),
                (("London", "EC1A 1BB"), ("Manchester", "M1 1AE"), ("Bristol", "BS1 4DJ"),
                 ("Leeds", "LS1 4AP"), ("Cambridge", "CB2 1TN")),
                ("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"),
                "+44 20 ", "GB{:09d}"),
]
# Dutch customers are the majority, as for a Dutch reseller.
COUNTRY_WEIGHTS = [6, 3, 2]
SITE_NAMES = ["Warehouse", "Branch office", "Workshop", "Data room"]
INVOICE_STATUSES = ["draft", "sent", "sent", "paid", "paid", "paid"]


class Seeder:
    """Creates what is missing, counting what it created per kind of record."""

    def __init__(self, today=None):
        self.random = random.Random(SEED)
        self.today = today or date.today()
        self.created = {}

    def _get_or_add(self, model, key, make):
        record = db.session.execute(db.select(model).filter_by(**key)).scalar_one_or_none()
        if record is None:
            record = make()
            db.session.add(record)
            self.created[model.__name__] = self.created.get(model.__name__, 0) + 1
        return record

    def seed(self):
        top_levels = [self._get_or_add(TopLevel, {"name": name}, lambda name=name: TopLevel(
            name=name)) for name in TOP_LEVELS]
        tax_rates = {name: self._get_or_add(TaxRate, {"name": name}, lambda name=name, rate=rate:
                                            TaxRate(name=name, rate=Decimal(rate)))
                     for name, rate in TAX_RATES}
        accounts = {code: self._get_or_add(GLAccount, {"code": code}, lambda c=code, n=name, t=kind:
                                           GLAccount(code=c, name=n, type=t))
                    for code, name, kind in GL_ACCOUNTS}
        db.session.flush()
        products = self._seed_products(tax_rates, accounts)
        customers = self._seed_customers(top_levels)
        db.session.flush()
        self._seed_invoices(customers, products)
        db.session.commit()
        return self.created

    def _seed_products(self, tax_rates, accounts):
        products = []
        for spec in PRODUCT_GROUPS:
            group = self._get_or_add(ProductGroup, {"name": spec.name}, lambda spec=spec:
                                     ProductGroup(name=spec.name,
                                                  default_income_account=accounts[spec.income],
                                                  default_expense_account=accounts[spec.expense]))
            number = 0
            for name, price, cost in spec.products:
                for variant in spec.variants:
                    number += 1
                    code = f"{spec.code}-{number:03d}"
                    products.append(self._get_or_add(
                        Product, {"accounting_id": code},
                        lambda code=code, name=name + variant, price=price, cost=cost,
                        group=group, spec=spec: Product(
                            name=name, code=code, accounting_id=code, group=group,
                            price=Decimal(price), cost=Decimal(cost),
                            tax_rate=tax_rates[spec.tax_rate],
                            income_account=accounts[spec.income],
                            expense_account=accounts[spec.expense])))
        return products

    def _seed_customers(self, top_levels):
        customers = []
        for index in range(CUSTOMER_COUNT):
            # Drawn for every customer, existing or not, so the sequence never shifts.
            country = self.random.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0]
            draws = self._customer_draws(country)
            accounting_id = str(FIRST_CUSTOMER_ID + index)
            customers.append(self._get_or_add(
                Customer, {"accounting_id": accounting_id},
                lambda: self._make_customer(accounting_id, country, draws, top_levels)))
        return customers

    def _customer_draws(self, country):
        pick = self.random.choice
        return {
            "name": f"{pick(NAME_STEMS)} {pick(NAME_TRADES)} {pick(country.suffixes)}",
            "top_level": self.random.randrange(len(TOP_LEVELS)),
            "addresses": [(pick(country.cities), pick(country.streets),
                           self.random.randint(1, 240),
                           "".join(self.random.choices("ABCDEGHJKLMNPRSTVWXZ", k=2)))
                          for _ in range(3)],
            "extra_sites": self.random.choice([0, 0, 0, 1, 1, 2]),
            "vat": self.random.randint(10_000_000, 999_999_999),
            "phone": self.random.randint(1_000_000, 9_999_999),
        }

    def _make_customer(self, accounting_id, country, draws, top_levels):
        name = draws["name"]
        domain = "-".join("".join(ch for ch in word.lower() if ch.isalnum())
                          for word in name.split()[:-1])
        sites = [self._make_site(country, address, "Head office" if i == 0 else SITE_NAMES[i - 1],
                                 is_main=(i == 0))
                 for i, address in enumerate(draws["addresses"][:1 + draws["extra_sites"]])]
        return Customer(name=name, accounting_id=accounting_id,
                        top_level=top_levels[draws["top_level"]],
                        email=f"invoices@{domain}.example",
                        phone=f"{country.phone_prefix}{draws['phone']}",
                        vat_number=country.vat_format.format(draws["vat"]), sites=sites)

    @staticmethod
    def _make_site(country, address, name, is_main):
        (city, postcode), street, number, letters = address
        if country.code == "NL":
            # Dutch postcodes end in two letters ("1012 AB"); Belgian ones are digits only.
            postcode = f"{postcode} {letters}"
        return Site(name=name, is_main=is_main, address_line1=f"{street} {number}",
                    city=city, postcode=postcode, country=country.code)

    def _seed_invoices(self, customers, products):
        for index in range(INVOICE_COUNT):
            draws = {
                "customer": self.random.randrange(len(customers)),
                "days_ago": self.random.randint(0, 180),
                "status": self.random.choice(INVOICE_STATUSES),
                "lines": [(self.random.randrange(len(products)), self.random.choice(
                    [1, 1, 1, 2, 3, 5, 8, 10])) for _ in range(self.random.randint(1, 5))],
            }
            number = f"INV-{index + 1:06d}"
            self._get_or_add(Invoice, {"number": number},
                             lambda: self._make_invoice(number, customers, products, draws))

    def _make_invoice(self, number, customers, products, draws):
        customer = customers[draws["customer"]]
        invoice_date = self.today - timedelta(days=draws["days_ago"])
        status = draws["status"] if draws["days_ago"] > 14 else "draft"
        lines = [InvoiceLine(product=products[product_index], description=products[
            product_index].name, quantity=Decimal(quantity), unit_price=products[
                product_index].price, tax_rate=products[product_index].tax_rate)
            for product_index, quantity in draws["lines"]]
        return Invoice(number=number, customer=customer, site=customer.main_site,
                       date=invoice_date, due_date=invoice_date + timedelta(days=30),
                       status=status, lines=lines)


def seed_demo_data(today=None):
    """Create the demo records that are missing; returns {model name: number created}."""
    return Seeder(today).seed()
