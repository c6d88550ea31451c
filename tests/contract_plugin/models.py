from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db


class ContractNote(db.Model):
    """One line saying which hook ran with what: the contract test reads them back."""

    __tablename__ = "contract_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
