from django.db import migrations


def content_type_to(app_label: str):
    """The audit log points at models through their content type: follow the move."""

    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        AuditEvent = apps.get_model("core", "AuditEvent")
        old = "lettrage" if app_label == "imports" else "imports"
        found = ContentType.objects.filter(app_label=old, model="matchproposal").first()
        if found is None:  # a new database: content types are made after migrating
            return
        there = ContentType.objects.filter(app_label=app_label, model="matchproposal").first()
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
        ("core", "0005_organization_logo"),
        ("imports", "0006_bank_line_payer_indexes"),
        ("lettrage", "0001_initial"),
    ]

    # MatchProposal now lives in lettrage (lettrage 0001), in the same tables
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="MatchProposal")]
        ),
        migrations.RunPython(content_type_to("lettrage"), content_type_to("imports")),
    ]
