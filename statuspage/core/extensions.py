"""Flask extensions, created unbound and attached to the app in create_app()."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Every model maps one Table (none a join or a subquery); DeclarativeBase declares the
        # wider FromClause, which has no insert()/update(). Type checkers only: no run-time change.
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)
# Models subclass `Model`. At run time it is `db.Model` (Base plus Flask-SQLAlchemy's table
# naming and bind handling); a type checker cannot take a variable as a base class, so it sees
# Base, which declares everything the models use.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
babel = Babel()
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
