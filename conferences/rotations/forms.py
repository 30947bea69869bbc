"""Forms for rotations: one class per action."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from conferences.formutil import PageForm, choices
from conferences.rotations.models import SETTING_LABELS

SETTING_CHOICES = choices((setting.value, label) for setting, label in SETTING_LABELS.items())


class RotationTypeForm(PageForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    setting = SelectField("Setting", choices=SETTING_CHOICES, validators=[DataRequired()])
    excuses = BooleanField("Excuses from required conferences")
    submit = SubmitField("Save rotation")


class BlockForm(PageForm):
    rotation = SelectField("Rotation", coerce=int, choices=[], validators=[DataRequired()])
    start_on = DateField("First day", validators=[DataRequired()])
    end_on = DateField("Last day", validators=[DataRequired()])
    submit = SubmitField("Add block")


class ImportBlocksForm(PageForm):
    file = FileField("Block schedule (CSV)")
    # After the preview, the file's text comes back with the confirmation.
    csv_text = HiddenField()
    filename = HiddenField()
    preview = SubmitField("Preview")
    confirm = SubmitField("Import these blocks")


class ConfirmForm(PageForm):
    """A bare form for POST buttons (delete a block or a rotation type)."""

    submit = SubmitField("Delete")
