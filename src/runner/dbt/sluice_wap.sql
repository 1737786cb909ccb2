{#-
  Sluice's Write-Audit-Publish macros, written into the job's own checkout of a dbt project for an
  apply, a rollback or a clean-up; never into the repository.

  With the var `sluice` unset, the two naming macros behave exactly like dbt's defaults. With it set
  (`{"schema": "sluice_shop", "aliases": {"model.shop.orders": "orders__1a2b3c4d5e6f"}}`), a node
  named in `aliases` builds into the physical schema under its build-keyed name, so `ref()` of
  any node resolves to its physical table.
-#}

{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- set sluice = var('sluice', none) -%}
  {%- if sluice and node.unique_id in sluice.aliases -%}
    {{ sluice.schema }}
  {%- else -%}
    {{ default__generate_schema_name(custom_schema_name, node) }}
  {%- endif -%}
{%- endmacro %}

{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
  {%- set sluice = var('sluice', none) -%}
  {%- if sluice and node.unique_id in sluice.aliases -%}
    {{ sluice.aliases[node.unique_id] }}
  {%- else -%}
    {{ default__generate_alias_name(custom_alias_name, node) }}
  {%- endif -%}
{%- endmacro %}

{#- One line on stdout Sluice reads back: `SLUICE_RESULT <json>`. -#}
{% macro sluice__result(value) %}
  {{ print('SLUICE_RESULT ' ~ tojson(value)) }}
{% endmacro %}

{% macro sluice__relation(r) %}
  {{ return(api.Relation.create(database=r.database, schema=r.schema, identifier=r.identifier)) }}
{% endmacro %}

{#- The identifiers of the relations in one schema (none when the schema does not exist). -#}
{% macro sluice_list_relations(database, schema) %}
  {% set names = [] %}
  {% if adapter.check_schema_exists(database, schema) %}
    {% set schema_relation = api.Relation.create(database=database, schema=schema) %}
    {% for row in list_relations_without_caching(schema_relation) %}
      {% do names.append(row['name']) %}
    {% endfor %}
  {% endif %}
  {% do sluice__result(names) %}
{% endmacro %}

{#-
  Points every public view at its physical relation and drops the public views of removed models, in
  one transaction: either every view switches or none does. A public relation that is still a table
  (a project built before Sluice took it over) is replaced by the view.
-#}
{% macro sluice_publish(views, drops) %}
  {% set statements = [] %}
  {% set schemas = [] %}
  {% for v in views %}
    {% set public = sluice__relation(v.public) %}
    {% set schema = public.without_identifier() | string %}
    {% if schema not in schemas %}
      {% do schemas.append(schema) %}
      {% do statements.append('create schema if not exists ' ~ schema) %}
    {% endif %}
    {% set existing = adapter.get_relation(database=public.database, schema=public.schema, identifier=public.identifier) %}
    {% if existing is not none and not existing.is_view %}
      {% do statements.append('drop ' ~ existing.type ~ ' ' ~ existing) %}
    {% endif %}
    {% do statements.append('create or replace view ' ~ public ~ ' as select * from ' ~ sluice__relation(v.physical)) %}
  {% endfor %}
  {% for d in drops %}
    {% do statements.append('drop view if exists ' ~ sluice__relation(d)) %}
  {% endfor %}
  {#- One batch in a transaction of its own (dbt has one open already): a failing statement leaves every view as it was. -#}
  {% do run_query('commit;\nbegin transaction;\n' ~ (statements | join(';\n')) ~ ';\ncommit;') %}
  {% do sluice__result({'published': views | length, 'dropped': drops | length}) %}
{% endmacro %}

{#- Drops physical relations Sluice no longer needs (garbage collection). -#}
{% macro sluice_drop_relations(database, schema, identifiers) %}
  {% for identifier in identifiers %}
    {% set existing = adapter.get_relation(database=database, schema=schema, identifier=identifier) %}
    {% if existing is not none %}
      {% do adapter.drop_relation(existing) %}
    {% endif %}
  {% endfor %}
  {% do adapter.commit() %}
  {% do sluice__result({'dropped': identifiers | length}) %}
{% endmacro %}

{#- The schemas of a database whose names start with `prefix`. -#}
{% macro sluice_list_schemas(database, prefix) %}
  {% set names = [] %}
  {% for row in list_schemas(database) %}
    {% if row[0].startswith(prefix) %}{% do names.append(row[0]) %}{% endif %}
  {% endfor %}
  {% do sluice__result(names) %}
{% endmacro %}

{#- Drops whole schemas (a closed pull request's), with everything in them. -#}
{% macro sluice_drop_schemas(database, schemas) %}
  {% for s in schemas %}
    {% do adapter.drop_schema(api.Relation.create(database=database, schema=s)) %}
  {% endfor %}
  {% do adapter.commit() %}
  {% do sluice__result({'dropped': schemas}) %}
{% endmacro %}
