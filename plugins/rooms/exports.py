"""The meeting-rooms module's files: the year's usage statistics as an Excel (.xlsx) file, through ``core.exports``."""

from __future__ import annotations

from flask_babel import gettext as _

from core.api import Column, ExportFile, Sheet, be_year, export_file
from plugins.rooms.services import Usage

__all__ = ["usage_file"]


def usage_file(report: Usage, month_names: list[str]) -> ExportFile:
    """Hours of confirmed bookings per month: one sheet by room, one by the bookers' groups, with a total column."""
    columns = [Column("", lambda row: row[0], 40)]
    columns += [Column(name, lambda row, month=month: round(row[1][month], 2), 9, "0.00")
                for month, name in enumerate(month_names)]
    columns.append(Column(_("Total"), lambda row: report.total(row[1]), 10, "0.00"))
    year = be_year(report.year)
    sheets = [Sheet(_("By room"), columns, report.by_room.items()), Sheet(_("By group"), columns, report.by_group.items())]
    return export_file("xlsx", sheets, f"{_('Meeting room usage')} {year}.xlsx", ascii_name=f"rooms-usage-{year}.xlsx")
