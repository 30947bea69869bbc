"""The report filter form: a GET form, so links and exports keep the filters."""

from __future__ import annotations

from wtforms import DateField, SelectField
from wtforms.validators import Optional

from conferences.formutil import PageForm, choices

PGY_CHOICES = choices([("", "All classes"), ("1", "PGY-1"), ("2", "PGY-2"), ("3", "PGY-3")])


class ReportFilterForm(PageForm):
    class Meta:
        csrf = False  # read-only GET form

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    firm = SelectField("Firm", choices=[], validators=[Optional()], validate_choice=False)
    pgy = SelectField("Class", choices=PGY_CHOICES, validators=[Optional()], validate_choice=False)
    series = SelectField("Series", choices=[], validators=[Optional()], validate_choice=False)

    def fill(self, filters, firms, series) -> None:
        self.start.data = filters.start_on
        self.end.data = filters.end_on
        self.firm.choices = choices([("", "All firms"), *((str(i), n) for i, n in firms)])
        self.firm.data = str(filters.firm_id or "")
        self.pgy.data = str(filters.pgy or "")
        self.series.choices = choices([("", "All series"), *((str(i), n) for i, n in series)])
        self.series.data = str(filters.series_id or "")
