"""migc: a declarative language and toolchain for CRM data migrations."""

__version__ = "0.1.0"
