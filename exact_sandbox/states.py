"""State codes per country, for Account ``State`` (docs/sandbox.md §Strictness).

Exact documents Account ``State`` as "State/Province/County code. When changing the Country
and the State is filled, the State must be assigned with a valid value from the selected
country or set to empty" (picqer SyncAccount.php / Account.php, from Exact's REST reference).
Exact's own table of state codes is not in any source we have, so this table is the
sandbox's choice (unverified): the ISO 3166-2 subdivision codes, without the country
prefix, of the countries the demo and the plugin's users meet.  A country not listed here
has no states in the sandbox, so any ``State`` for it is refused (the stricter reading).
"""

STATE_CODES = {
    "NL": frozenset("DR FL FR GE GR LI NB NH OV UT ZE ZH".split()),
    "BE": frozenset("BRU VAN VBR VLI VOV VWV WBR WHT WLG WLX WNA".split()),
    "DE": frozenset("BB BE BW BY HB HE HH MV NI NW RP SH SL SN ST TH".split()),
    "GB": frozenset("ENG NIR SCT WLS".split()),
    "US": frozenset(("AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC ND NE "
                     "NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY").split()),
    "CA": frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT".split()),
    "AU": frozenset("ACT NSW NT QLD SA TAS VIC WA".split()),
}


def is_valid_state(country, state) -> bool:
    """True when ``state`` is empty or one of the codes of ``country`` (exact, upper-case match)."""
    if state in (None, ""):
        return True
    return state in STATE_CODES.get((country or "").strip().upper(), frozenset())
