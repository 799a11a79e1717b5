from django.db import migrations

from recouvra.core.moves import content_type_mover


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0005_organization_logo"),
        ("imports", "0006_bank_line_payer_indexes"),
        ("lettrage", "0001_initial"),
    ]

    # MatchProposal now lives in lettrage (lettrage 0001), in the same tables
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="MatchProposal")]
        ),
        migrations.RunPython(*content_type_mover("matchproposal", "imports", "lettrage")),
    ]
