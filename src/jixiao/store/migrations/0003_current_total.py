"""The current version's total and grade copied onto Evaluation (lists and rankings read one row),
filled for the evaluations stored before."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Evaluation = apps.get_model("store", "Evaluation")
    Score = apps.get_model("store", "Score")
    for ev in Evaluation.objects.filter(current__gt=0).iterator():
        s = Score.objects.filter(version__evaluation=ev, version__number=ev.current).values("total", "grade").first()
        if s is not None:
            Evaluation.objects.filter(pk=ev.pk).update(total=s["total"], grade=s["grade"])


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0002_audit_triggers'),
    ]

    operations = [
        migrations.AddField(
            model_name='evaluation',
            name='grade',
            field=models.CharField(blank=True, default='', max_length=20, verbose_name='当前等级'),
        ),
        migrations.AddField(
            model_name='evaluation',
            name='total',
            field=models.FloatField(blank=True, null=True, verbose_name='当前总分'),
        ),
        migrations.AddField(
            model_name='historicalevaluation',
            name='grade',
            field=models.CharField(blank=True, default='', max_length=20, verbose_name='当前等级'),
        ),
        migrations.AddField(
            model_name='historicalevaluation',
            name='total',
            field=models.FloatField(blank=True, null=True, verbose_name='当前总分'),
        ),
        migrations.AddIndex(
            model_name='evaluation',
            index=models.Index(fields=['year', 'id'], name='evaluation_year_page'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
