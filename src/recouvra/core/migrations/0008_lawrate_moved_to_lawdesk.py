from django.db import migrations

from recouvra.core.moves import content_type_mover


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0007_worker_heartbeat"),
        ("lawdesk", "0001_initial"),
    ]

    # LawRate now lives in lawdesk (lawdesk 0001), in the same table
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="LawRate")]),
        migrations.RunPython(*content_type_mover("lawrate", "core", "lawdesk")),
    ]
