"""Reports, invoice documents and exports: queries over the marts, Jinja2 templates and
matplotlib charts. Pure helpers: no Dagster imports; the assets live in defs/reports/."""
