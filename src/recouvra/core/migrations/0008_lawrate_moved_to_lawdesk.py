from django.db import migrations


def content_type_to(app_label: str):
    """The audit log points at models through their content type: follow the move."""

    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        AuditEvent = apps.get_model("core", "AuditEvent")
        old = "lawdesk" if app_label == "core" else "core"
        found = ContentType.objects.filter(app_label=old, model="lawrate").first()
        if found is None:  # a new database: content types are made after migrating
            return
        there = ContentType.objects.filter(app_label=app_label, model="lawrate").first()
        if there is None:
            found.app_label = app_label
            found.save(update_fields=["app_label"])
        else:  # made by an earlier migrate: the events follow, the old type goes
            AuditEvent.objects.filter(content_type=found).update(content_type=there)
            found.delete()

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0007_worker_heartbeat"),
        ("lawdesk", "0001_initial"),
    ]

    # LawRate now lives in lawdesk (lawdesk 0001), in the same table
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="LawRate")]),
        migrations.RunPython(content_type_to("lawdesk"), content_type_to("core")),
    ]
