"""Domain and storage of the informational-interview portal. Never imports streamlit.

At core/ itself only what everything uses: errors (every error type of the portal), models,
config and clock. The rest is one package per area of the product, listed in AREAS lowest first.
core.rules (the derived facts and their timing) imports nothing of the portal, so even the shared
modules read the timing defaults from it; every other area imports core's shared modules and the
areas before it, never one after it. Imports run one way: pages -> ui -> areas -> store -> rules.
tests/test_floor_plan.py reads every import and holds the plan to this list; docs/architecture.md
says what each area holds.
"""

AREAS = ("rules", "store", "identity", "admin", "campaign", "network", "oversight", "messaging")
