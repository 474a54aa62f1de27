"""Each category spell carries its pupil's dates on roll, so the cohort on a day is counted from the spells."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_dates(apps, schema_editor):
    CategorySpell = apps.get_model("pupils", "CategorySpell")
    Pupil = apps.get_model("pupils", "Pupil")
    pupil = Pupil.objects.filter(pk=OuterRef("pupil_id"))
    CategorySpell.objects.update(
        admission_date=Subquery(pupil.values("admission_date")[:1]),
        leaving_date=Subquery(pupil.values("leaving_date")[:1]),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("pupils", "0010_cohort_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="categoryspell",
            name="admission_date",
            field=models.DateField(null=True, help_text="The pupil's, copied."),
        ),
        migrations.AddField(
            model_name="categoryspell",
            name="leaving_date",
            field=models.DateField(blank=True, null=True, help_text="The pupil's, copied."),
        ),
        migrations.RunPython(copy_dates, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="categoryspell",
            name="admission_date",
            field=models.DateField(help_text="The pupil's, copied."),
        ),
        migrations.RemoveIndex(
            model_name="categoryspell",
            name="pupils_cate_start_7814e1_idx",
        ),
        migrations.AddIndex(
            model_name="categoryspell",
            index=models.Index(fields=["start", "end", "admission_date", "leaving_date", "category"],
                               name="spells_on_roll"),
        ),
    ]
