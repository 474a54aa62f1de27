"""Money fields: pounds and pence as Decimal, never float."""

from decimal import Decimal

MONEY = {"max_digits": 9, "decimal_places": 2}
ZERO = Decimal("0.00")
