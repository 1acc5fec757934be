from django.db import migrations

# Categories residents raise most often (kept short); counties can add their own.
DEFAULTS = [
    ("lighting", "路灯照明", "Street lighting", 3),
    ("roads", "道路设施", "Roads and paths", 14),
    ("sanitation", "环境卫生", "Cleanliness and rubbish", 3),
    ("greening", "绿化", "Greenery", 14),
    ("parking", "停车", "Parking", 14),
    ("water", "水电气", "Water, power and gas", 3),
    ("safety", "安全隐患", "Safety hazards", 2),
    ("elderly", "养老助老", "Care for the elderly", 7),
    ("facilities", "公共设施", "Public facilities", 14),
    ("neighbours", "邻里纠纷", "Neighbour disputes", 7),
    ("other", "其他", "Other", 7),
]


def add_defaults(apps, schema_editor):
    Category = apps.get_model("needs", "Category")
    for order, (code, name, name_en, days) in enumerate(DEFAULTS):
        Category.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en,
                                                             "sla_days": days, "order": order})


class Migration(migrations.Migration):
    dependencies = [("needs", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
