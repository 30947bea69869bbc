"""Forms for the teaching pages: one class per action."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from conferences.formutil import CreateOnceMixin, PageForm, choices
from conferences.schedule.models import KIND_LABELS
from conferences.teaching.eligibility import eligibility_choices, role_choices


class TemplateRowForm(Form):
    """One row of a series' slot template (a blank role drops the row)."""

    role = SelectField("Role", choices=[], validate_choice=False)
    eligibility = SelectField("Who may fill it", choices=[], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices([("", "— none —"), *role_choices()])
        self.eligibility.choices = choices(eligibility_choices())


class SlotTemplateForm(PageForm):
    rows = FieldList(FormField(TemplateRowForm), min_entries=1, max_entries=12)
    submit = SubmitField("Save template")


class ApplyTemplateForm(PageForm):
    prune = BooleanField("Also remove open slots the template no longer has")
    submit = SubmitField("Apply template to upcoming sessions")


class AddSlotForm(CreateOnceMixin, PageForm):
    role = SelectField("Role", choices=[], validators=[DataRequired()])
    eligibility = SelectField("Who may fill it", choices=[], validators=[DataRequired()])
    submit = SubmitField("Add slot")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices(role_choices())
        self.eligibility.choices = choices(eligibility_choices())


class TalkForm(PageForm):
    talk_title = StringField("Talk title", validators=[Optional(), Length(max=300)])
    abstract = TextAreaField("Short abstract", validators=[Optional(), Length(max=5000)])
    materials_url = URLField(
        "Link to materials (slides, reading)", validators=[Optional(), Length(max=500)]
    )
    submit = SubmitField("Save talk")


class ReleaseRequestForm(PageForm):
    note = TextAreaField(
        "Why do you need to be released?", validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField("Ask the coordinator")


class AssignForm(PageForm):
    user_id = SelectField(
        "Person",
        coerce=int,
        choices=[],
        validators=[
            InputRequired(message="Choose who should hold the slot."),
            NumberRange(min=1, message="Choose who should hold the slot."),
        ],
    )
    submit = SubmitField("Assign")


class FeedbackForm(PageForm):
    rating = RadioField(
        "Your rating",
        coerce=int,
        choices=[
            SelectChoice(5, "5 – excellent"),
            SelectChoice(4, "4"),
            SelectChoice(3, "3"),
            SelectChoice(2, "2"),
            SelectChoice(1, "1 – poor"),
        ],
        validators=[InputRequired(message="Choose a rating from 1 to 5.")],
    )
    comment = TextAreaField("Comment (optional)", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Send feedback")


class OpenSlotsFilterForm(PageForm):
    """Filters for the open-slots list (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    start_on = DateField("From", validators=[Optional()])
    end_on = DateField("To", validators=[Optional()])
    kind = SelectField("Kind", choices=[], validate_choice=False)
    series_id = SelectField("Series", choices=[], validate_choice=False)
    role = SelectField("Role", choices=[], validate_choice=False)

    def __init__(self, *args, series=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(
            [("", "Any kind"), *((k.value, v) for k, v in KIND_LABELS.items())]
        )
        self.series_id.choices = choices(
            [("", "Any series"), *((str(s.id), s.title) for s in series)]
        )
        self.role.choices = choices([("", "Any role"), *role_choices()])


class NeedsTeacherForm(PageForm):
    class Meta:
        csrf = False

    weeks = IntegerField("Weeks ahead", default=4, validators=[Optional(), NumberRange(1, 52)])
