"""The schema's history as Alembic migrations, shipped inside the package so that an
installed `moralbank` can migrate its database (moralbank.migrations finds it here)."""
