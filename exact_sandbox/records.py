"""Creating, changing and deleting records the way Exact's business layer does.

Every write goes through ``Records`` so the rules live in one place: read-only
fields dropped, codes padded, mandatory fields / references / uniqueness
checked (errors in the division's language), derived lookup fields filled,
Timestamps bumped, deletes logged for sync/Deleted and webhooks fired.
"""
from . import entities as E
from .errors import ODataError, ValidationFailed
from .odata import parse_datetime_ms
from .invoices import INVOICE_RULES
from .states import is_valid_state
from .values import new_guid, normalise_key, pad
from .webhooks import SubscriptionRules

# Exact: English wording unverified, Dutch from picqer#10/#249/#416 (reference §5);
# "journal" follows the English shape of picqer#452 ("Invalid journal. The journal must be a cash journal.")
MESSAGES = {
    "en": {"mandatory": "Mandatory: {}", "reference": "Invalid reference: {}", "exists": "Data already exists.",
           "too_long": "Value too long: {} (maximum {} characters)", "processed": "Processed invoices can't be changed.",
           "journal": "Invalid journal. The journal must be a sales journal.",
           "type": "Invalid value for Type: {}. Allowed: 8020, 8021, 8023, 8024.",
           "credit_sign": "A credit note line must have a negative quantity (line {})."},
    "nl": {"mandatory": "Verplicht: {}", "reference": "Ongeldige referentie: {}", "exists": "Gegeven bestaat reeds.",
           "too_long": "Waarde te lang: {} (maximaal {} tekens)", "processed": "Verwerkte facturen kunnen niet worden gewijzigd.",
           "journal": "Ongeldig dagboek. Het dagboek moet een verkoopboek zijn.",
           "type": "Ongeldige waarde voor Type: {}. Toegestaan: 8020, 8021, 8023, 8024.",
           "credit_sign": "Een creditnotaregel moet een negatief aantal hebben (regel {})."},
}

# Derived read-only lookup fields: target field ← (reference field, referenced property)
LOOKUPS = {
    "Items": {"ItemGroupCode": ("ItemGroup", "Code"), "ItemGroupDescription": ("ItemGroup", "Description"),
              "GLRevenueCode": ("GLRevenue", "Code"), "GLRevenueDescription": ("GLRevenue", "Description"),
              "GLCostsCode": ("GLCosts", "Code"), "GLCostsDescription": ("GLCosts", "Description"),
              "SalesVatCodeDescription": ("SalesVatCode", "Description"), "UnitDescription": ("Unit", "Description")},
    "SalesInvoices": {"OrderedByName": ("OrderedBy", "Name"), "InvoiceToName": ("InvoiceTo", "Name"),
                      "DeliverToName": ("DeliverTo", "Name")},
    "SalesInvoiceLines": {"ItemCode": ("Item", "Code"), "ItemDescription": ("Item", "Description"),
                          "VATCodeDescription": ("VATCode", "Description"),
                          "GLAccountCode": ("GLAccount", "Code"), "GLAccountDescription": ("GLAccount", "Description")},
}

GL_TYPE_DESCRIPTIONS = {10: "Cash", 12: "Bank", 20: "Accounts receivable", 22: "Accounts payable", 24: "VAT",
                        90: "General", 110: "Revenue", 111: "Cost of goods", 120: "Other costs",
                        121: "Sales, general administrative expenses", 125: "Employee costs"}


# Business-rule hooks per entity (before_create, after_write, before_update, before_delete, after_delete)
RULES = {**INVOICE_RULES, "WebhookSubscriptions": SubscriptionRules()}


class Records:
    def __init__(self, state):
        self.state = state
        self.store = state.store

    # -- helpers ----------------------------------------------------------
    def messages(self) -> dict:
        return MESSAGES[self.state.settings.get("language", "en")]

    def get(self, division: int, entity: E.Entity, key) -> dict | None:
        return self.store.get(division, entity.stored_as, normalise_key(entity.key, key))

    def resolve(self, division: int, reference: E.Reference, value) -> dict | None:
        if value in (None, ""):
            return None
        if reference.by == "Code":
            return self.store.find(division, reference.target, "Code", value)
        return self.store.get(division, reference.target, str(value).lower())

    def clean_payload(self, entity: E.Entity, payload: dict, trusted: bool) -> dict:
        if not isinstance(payload, dict):
            raise ODataError(400, "Error processing request stream. The request should be a valid top-level resource object.")
        known = set(entity.fields) | set(entity.deferred)
        unknown = [name for name in payload if name not in known and name != "__metadata"]
        if unknown:
            raise ODataError(400, f"Error processing request stream. The property name '{unknown[0]}' specified "
                                  f"for type 'Exact.Web.Api.Models.{entity.model}' is not valid.")
        # Exact: read-only fields are silently ignored (reference §3.5, §9.12)
        clean = {name: value for name, value in payload.items()
                 if name in entity.fields and (trusted or name not in entity.read_only)}
        return self.normalise(entity, clean)

    def normalise(self, entity: E.Entity, values: dict) -> dict:
        for name, value in list(values.items()):
            if value is None:
                continue
            if name in entity.padded:
                values[name] = pad(value, entity.padded[name])
            elif name in entity.dates and isinstance(value, str):
                values[name] = parse_datetime_ms(value)
            elif name in E.GUID_FIELDS and isinstance(value, str):
                values[name] = value.strip("{}").lower()
        return values

    def validate(self, division: int, entity: E.Entity, record: dict, key) -> None:
        text = self.messages()
        problems = [text["mandatory"].format(name) for name in entity.mandatory
                    if record.get(name) in (None, "") or (isinstance(record.get(name), str) and not record[name].strip())]
        problems += [text["too_long"].format(name, limit) for name, limit in entity.max_length.items()
                     if isinstance(record.get(name), str) and len(record[name]) > limit]
        problems += [text["reference"].format(name) for name, reference in entity.references.items()
                     if record.get(name) not in (None, "") and not self.resolve(division, reference, record[name])]
        if "State" in entity.fields and "Country" in entity.fields \
                and not is_valid_state(record.get("Country"), record.get("State")):
            # Exact: State "must be assigned with a valid value from the selected country or set to empty"
            # (picqer Account.php); message and code table unverified (states.py)
            problems.append(text["reference"].format("State"))
        if problems:
            raise ValidationFailed(problems)
        for name in entity.unique:
            clash = self.store.find(division, entity.stored_as, name, record.get(name))
            if clash and clash[entity.key] != key:
                raise ValidationFailed([text["exists"]])

    def derive(self, division: int, entity: E.Entity, record: dict) -> None:
        for target, (source, prop) in LOOKUPS.get(entity.name, {}).items():
            referenced = self.resolve(division, entity.references[source], record.get(source))
            record[target] = referenced.get(prop) if referenced else None
        if entity.name == "GLAccounts":
            record["TypeDescription"] = GL_TYPE_DESCRIPTIONS.get(record.get("Type"), "General")

    def stamp(self, division: int, record: dict, created: bool) -> None:
        now = self.state.clock.now_ms()
        if created:
            record["Created"] = now
            record["Creator"] = self.state.demo_user_id
            record["CreatorFullName"] = "Demo User"
        record["Modified"] = now
        record["Modifier"] = self.state.demo_user_id
        record["ModifierFullName"] = "Demo User"
        record["Division"] = division

    # -- writes -----------------------------------------------------------
    def create(self, division: int, entity: E.Entity, payload: dict, trusted: bool = False,
               context: dict | None = None) -> tuple[dict, dict]:
        """Validate and store a new record; returns (stored record, cleaned posted fields)."""
        rules = RULES.get(entity.name)
        nested = payload.get("SalesInvoiceLines") if isinstance(payload, dict) else None
        if not trusted and isinstance(payload, dict) and payload.get(entity.key):
            self.refuse_existing_key(division, entity, payload[entity.key], rules)
        posted = self.clean_payload(entity, payload, trusted)
        key = posted.get(entity.key) if trusted and posted.get(entity.key) else new_guid()
        record = {name: None for name in entity.fields}
        record.update(posted)
        record[entity.key] = key
        with self.store.transaction():  # defaults too: "highest code + 1" must not race
            self.apply_defaults(division, entity, record, context or {})
            if rules:
                rules.before_create(self, division, record, nested)
            self.validate(division, entity, record, key)
            self.derive(division, entity, record)
            self.stamp(division, record, created=True)
            self.store.insert(division, entity.stored_as, key, record)
            if rules:
                rules.after_write(self, division, record, nested)
        self.notify(division, entity, "Create", key)
        return self.get(division, entity, key), posted

    def refuse_existing_key(self, division: int, entity: E.Entity, key, rules) -> None:
        """A POST naming the key of an existing record is refused, not turned into a new record.

        Exact: a credit note POSTed with the InvoiceID of the processed invoice it corrects was refused
        with "Reeds verwerkt" (picqer#464); other existing keys → "Data already exists." (the stricter choice).
        """
        existing = self.get(division, entity, key) if isinstance(key, str) else None
        if existing is None:
            return
        if rules:
            rules.before_update(self, division, existing)
        raise ValidationFailed([self.messages()["exists"]])

    def update(self, division: int, entity: E.Entity, key, payload: dict, trusted: bool = False) -> dict:
        key = normalise_key(entity.key, key)
        current = self.require(division, entity, key)
        if not trusted and isinstance(payload, dict) and any(name in payload for name in entity.fixed_on_update):
            # Exact: a PUT that sets Code answers 500 "Gegeven bestaat reeds.", even with the stored
            # value (picqer#432, reference §6.1)
            raise ValidationFailed([self.messages()["exists"]])
        changes = self.clean_payload(entity, payload, trusted)
        rules = RULES.get(entity.name)
        if rules:
            rules.before_update(self, division, current, changes)
        record = {**current, **changes}
        with self.store.transaction():
            self.validate(division, entity, record, key)
            self.derive(division, entity, record)
            self.stamp(division, record, created=False)
            self.store.update(division, entity.stored_as, key, record)
            if rules:
                rules.after_write(self, division, record, None)
        self.notify(division, entity, "Update", key)
        return record

    def delete(self, division: int, entity: E.Entity, key) -> None:
        key = normalise_key(entity.key, key)
        current = self.require(division, entity, key)
        rules = RULES.get(entity.name)
        with self.store.transaction():
            if rules:
                rules.before_delete(self, division, current)
            self.store.delete(division, entity.stored_as, key)
            self.log_deleted(division, entity, key)
            if rules:
                rules.after_delete(self, division, current)
        self.notify(division, entity, "Delete", key)

    def require(self, division: int, entity: E.Entity, key) -> dict:
        record = self.store.get(division, entity.stored_as, key)
        if record is None:
            raise ODataError(404, f"Resource not found for the segment '{entity.name}'.")
        return record

    def log_deleted(self, division: int, entity: E.Entity, key) -> None:
        if entity.deleted_type is None:
            return
        entry_id = new_guid()
        self.store.insert(division, "Deleted", entry_id, {
            "ID": entry_id, "EntityKey": key, "EntityType": entity.deleted_type,
            "DeletedBy": self.state.demo_user_id, "DeletedDate": self.state.clock.now_ms(), "Division": division})

    def notify(self, division: int, entity: E.Entity, action: str, key) -> None:
        if entity.topic:
            self.state.webhooks.notify(division, entity, action, key)

    # -- defaults -----------------------------------------------------------
    def apply_defaults(self, division: int, entity: E.Entity, record: dict, context: dict) -> None:
        defaults = {
            "Accounts": self.account_defaults,
            "Items": self.item_defaults,
            "WebhookSubscriptions": lambda d, r: r.update(ClientID=context.get("client_id"),
                                                        UserID=self.state.demo_user_id, Division=d),
        }.get(entity.name)
        if defaults:
            defaults(division, record)

    def account_defaults(self, division: int, record: dict) -> None:
        if not record.get("Code"):
            # Exact: "the value of the highest used code is incremented by 1" (reference §6.1)
            record["Code"] = pad(self.highest_account_code(division) + 1, ("r", 18))
        record["Type"] = "A"
        record.setdefault("Blocked", False)
        record["Blocked"] = bool(record["Blocked"])
        record["IsSupplier"] = bool(record.get("IsSupplier"))
        record["IsSales"] = record.get("Status") == "C"
        record["IsPurchase"] = record["IsSupplier"]
        record["Currency"] = "EUR"

    def highest_account_code(self, division: int) -> int:
        rows = self.store.select(
            "SELECT MAX(CAST(trim(json_extract(data, '$.Code')) AS INTEGER)) FROM records "
            "WHERE division = ? AND entity = 'Accounts'", [division])
        return rows[0][0] or 0

    def item_defaults(self, division: int, record: dict) -> None:
        if not record.get("ItemGroup"):
            # Exact: the IsDefault item group is assigned to new items (reference §6.2, inferred)
            group = self.store.find(division, "ItemGroups", "IsDefault", 1)
            record["ItemGroup"] = group["ID"] if group else None
        group = self.store.get(division, "ItemGroups", record.get("ItemGroup") or "")
        if group and not record.get("GLRevenue"):
            record["GLRevenue"] = group.get("GLRevenue")
        if group and not record.get("GLCosts"):
            record["GLCosts"] = group.get("GLCosts")
        record["StandardSalesPrice"] = record.get("StandardSalesPrice") or 0.0
        for flag in ("IsSalesItem", "IsPurchaseItem", "IsStockItem"):
            record[flag] = bool(record.get(flag, True if flag == "IsSalesItem" else False))
        if not record.get("Unit"):
            unit = self.store.find(division, "Units", "Main", True)
            record["Unit"] = unit["Code"] if unit else None

