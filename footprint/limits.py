"""Bounds of a BOM that footprint.bom (pydantic) and footprint.columnar (msgspec) both enforce."""

# Limits. Real product BOMs are shallow: a consumer appliance or an LED lamp is 3-6 levels deep,
# even complex machinery rarely exceeds ~20 levels; 50 is generous and still bounds the amount
# multiplication chain (and any recursive walk) the engine does per line. A large electronics
# BOM has a few thousand lines; 100,000 bounds memory and time of one request (the API also
# limits the body size), while leaving room for flattened multi-product imports.
MAX_DEPTH = 50
MAX_LINES = 100_000

# Magnitudes. Any number beyond these is a typing or unit error, never a real product (1e300 and
# 1e308 were seen, and overflowed to infinity once multiplied down the tree):
# - a line needs at most a billion of its unit per unit of its parent (1e9 g is 1,000 t; 1e9 kWh
#   is a large power plant's year), and no line more than 1e12 units per declared unit once the
#   quantities are multiplied down the tree (a chain of 50 lines of 1e9 would otherwise overflow);
MAX_QUANTITY = 1e9
MAX_AMOUNT_PER_DECLARED_UNIT = 1e12
# - a supplier footprint of 1e9 kg CO2e (a million tonnes) per one unit is more than a whole
#   ship or blast furnace; the same bound holds for its parts;
MAX_PCF_PER_UNIT = 1e9
# - no freight leg on Earth is longer than 50,000 km (the longest sea routes are ~25,000 km) and
#   no single consignment heavier than 1e9 kg (the largest ships carry ~0.5e9 kg);
MAX_DISTANCE_KM = 50_000.0
MAX_MASS_KG = 1e9
# - declared units, site electricity (MWh), instruments (MWh) and production volumes: 1e12 is
#   above any plant's yearly output in any unit the project uses;
MAX_MAGNITUDE = 1e12
# - the sigma of a lognormal's log: 5 is a geometric standard deviation of e**5 ~ 150, beyond the
#   worst pedigree estimate; larger values overflow in Monte Carlo draws.
MAX_UNCERTAINTY_SIGMA = 5.0
# - text fields: a name longer than this is a paste accident, not a product name.
MAX_TEXT_LENGTH = 500

# "precursor:" + a CN code (4-digit heading, 6-digit subheading, 8-digit CN code or the 10-digit
# TARIC code CBAM Annex I uses to split some goods, e.g. white clinker 2523100010), as in
# CBAM Annex I, e.g. "precursor:72071114".
CBAM_ROLE_PATTERN = r"^(direct_fuel|process|electricity|excluded|precursor:\d{4}(\d{2}){0,3})$"
