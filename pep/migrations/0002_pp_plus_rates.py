from decimal import Decimal

from django.db import migrations

# Pupil Premium Plus per pupil, by financial year (the April it starts). Schools add later years.
RATES = {2024: Decimal("2570.00"), 2025: Decimal("2630.00")}


def add_rates(apps, schema_editor):
    Rate = apps.get_model("pep", "PpPlusRate")
    for year, amount in RATES.items():
        Rate.objects.get_or_create(financial_year=year, defaults={"amount": amount})


def remove_rates(apps, schema_editor):
    apps.get_model("pep", "PpPlusRate").objects.filter(financial_year__in=RATES).delete()


class Migration(migrations.Migration):
    dependencies = [("pep", "0001_initial")]

    operations = [migrations.RunPython(add_rates, remove_rates)]
