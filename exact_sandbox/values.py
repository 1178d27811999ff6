"""Small value helpers shared by records, invoices and the seed."""
import uuid


def new_guid() -> str:
    return str(uuid.uuid4())


def pad(value, rule):
    """Exact's fixed-width codes: ("r", 18) right-aligns (Account Code), ("l", 3) left-aligns (VAT code)."""
    if value is None:
        return None
    side, width = rule
    text = str(value).strip()
    return text.rjust(width) if side == "r" else text.ljust(width)


def normalise_key(key_field: str, key) -> str:
    """Keys as stored: GUIDs lowercase without braces, integer keys (division Code) as text."""
    if key_field == "Code":
        return str(key)
    return str(key).strip("{}").lower()
