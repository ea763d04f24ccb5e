"""Postgres gateway: connection, named SQL, migrations and one repository per table group.

Every SQL statement lives in a `.sql` file as a named block; Python looks it up by
name. Repositories return frozen dataclasses, never driver rows.
"""
